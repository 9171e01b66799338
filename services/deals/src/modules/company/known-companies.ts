import { isDuplicateKey, PermanentEventError } from '@crm/messaging';
import { KnownCompanyModel, type KnownCompanyDoc } from './known-company.model';

const EPOCH = new Date(0);
type Part = Pick<KnownCompanyDoc, 'name'> | Pick<KnownCompanyDoc, 'completenessPercent' | 'completenessMissing'> | Pick<KnownCompanyDoc, 'riskFlags'>;
type PartClock = 'nameAt' | 'completenessAt' | 'riskFlagsAt';

/**
 * Makes sure the company's record exists for its tenant; true when this call created it. A
 * company id is global, so the filter on tenantId keeps another tenant's event from ever
 * touching this record: the same id under another tenant is parked for a human.
 */
export async function ensureKnownCompany(tenantId: string, companyId: string): Promise<boolean> {
  try {
    const result = await KnownCompanyModel.updateOne(
      { _id: companyId, tenantId },
      {
        $setOnInsert: { tenantId, name: null, nameAt: EPOCH, completenessPercent: null, completenessMissing: [], completenessAt: EPOCH, riskFlags: [], riskFlagsAt: EPOCH, mergedInto: null },
      },
      { upsert: true },
    );
    return result.upsertedCount === 1;
  } catch (error) {
    if (isDuplicateKey(error)) throw new PermanentEventError(`company ${companyId} belongs to another tenant`);
    throw error;
  }
}

/** Sets one part of the record if `at` is newer than what set it last (a replay or a late event changes nothing). */
export async function setIfNewer(tenantId: string, companyId: string, clock: PartClock, at: Date, part: Part): Promise<void> {
  await KnownCompanyModel.updateOne({ _id: companyId, tenantId, [clock]: { $lt: at } }, { $set: { ...part, [clock]: at } });
}

/** Follows merges (a merged company's references mean its primary), a few hops at most. */
export async function resolveMerged(tenantId: string, company: KnownCompanyDoc): Promise<KnownCompanyDoc> {
  let current = company;
  for (let hop = 0; hop < 5 && current.mergedInto; hop += 1) {
    const next = await KnownCompanyModel.findOne({ _id: current.mergedInto, tenantId }).lean<KnownCompanyDoc>();
    if (!next) return { ...current, _id: current.mergedInto, mergedInto: null };
    current = next;
  }
  return current;
}

/** The id references to `companyId` should use now: its primary if it was merged. */
export async function currentCompanyId(tenantId: string, companyId: string): Promise<string> {
  const known = await KnownCompanyModel.findOne({ _id: companyId, tenantId }).lean<KnownCompanyDoc>();
  return known ? (await resolveMerged(tenantId, known))._id : companyId;
}
