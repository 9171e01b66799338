import { isDuplicateKey, PermanentEventError } from '@crm/messaging';
import { KnownCompanyModel, type KnownCompanyDoc } from './known-company.model';

const EPOCH = new Date(0);
type Part = Pick<KnownCompanyDoc, 'name'> | Pick<KnownCompanyDoc, 'completenessPercent' | 'completenessMissing'> | Pick<KnownCompanyDoc, 'riskFlags'>;
type PartClock = 'nameAt' | 'completenessAt' | 'riskFlagsAt';

/** A new record's fields: nothing known yet, every part older than any event. */
const EMPTY = { name: null, nameAt: EPOCH, completenessPercent: null, completenessMissing: [], completenessAt: EPOCH, riskFlags: [], riskFlagsAt: EPOCH, mergedInto: null };

/**
 * A company id is global: another tenant's record under the id refuses the insert of ours
 * (duplicate key), and the filter on tenantId keeps another tenant's event from ever touching
 * it. The same id under another tenant is parked for a human.
 */
async function refusedAsDuplicate(tenantId: string, companyId: string, error: unknown): Promise<false> {
  if (!isDuplicateKey(error)) throw error;
  if (await KnownCompanyModel.exists({ _id: companyId, tenantId })) return false;
  throw new PermanentEventError(`company ${companyId} belongs to another tenant`);
}

/** Makes sure the company's record exists for its tenant; true when this call created it. */
export async function ensureKnownCompany(tenantId: string, companyId: string): Promise<boolean> {
  try {
    const result = await KnownCompanyModel.updateOne({ _id: companyId, tenantId }, { $setOnInsert: { tenantId, ...EMPTY } }, { upsert: true });
    return result.upsertedCount === 1;
  } catch (error) {
    return refusedAsDuplicate(tenantId, companyId, error);
  }
}

/**
 * Sets one part of the record if `at` is newer than what set it last (a replay or a late event
 * changes nothing), creating the record on the company's first event: one write. True when this
 * call created the record. When the record is there with a newer part, the upsert's insert is
 * refused as a duplicate, which is that "nothing to change".
 */
export async function setPartIfNewer(tenantId: string, companyId: string, clock: PartClock, at: Date, part: Part): Promise<boolean> {
  const set = { ...part, [clock]: at };
  const onInsert = Object.fromEntries(Object.entries(EMPTY).filter(([field]) => !(field in set)));
  try {
    const result = await KnownCompanyModel.updateOne({ _id: companyId, tenantId, [clock]: { $lt: at } }, { $set: set, $setOnInsert: { tenantId, ...onInsert } }, { upsert: true });
    return result.upsertedCount === 1;
  } catch (error) {
    return refusedAsDuplicate(tenantId, companyId, error);
  }
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
