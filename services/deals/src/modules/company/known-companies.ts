import { isDuplicateKey, PermanentEventError } from '@crm/messaging';
import { KnownCompanyModel, type KnownCompanyDoc } from './known-company.model';

const EPOCH = new Date(0);
export type Part =
  | Pick<KnownCompanyDoc, 'name'>
  | Pick<KnownCompanyDoc, 'completenessPercent' | 'completenessMissing'>
  | Pick<KnownCompanyDoc, 'riskFlags'>
  | Pick<KnownCompanyDoc, 'ownerId'>;
export type PartClock = 'nameAt' | 'completenessAt' | 'riskFlagsAt' | 'ownerAt';

/** A new record's fields: nothing known yet, every part older than any event. */
const EMPTY = {
  name: null,
  nameAt: EPOCH,
  completenessPercent: null,
  completenessMissing: [],
  completenessAt: EPOCH,
  riskFlags: [],
  riskFlagsAt: EPOCH,
  ownerId: null,
  ownerAt: EPOCH,
  mergedInto: null,
};

/**
 * Writes `set` into the company's record where `condition` holds, creating the record (as EMPTY
 * plus `set`) on the company's first event: one write; true when this call created it. Where the
 * record is there but `condition` fails, the upsert's insert is refused as a duplicate: nothing to
 * change. A company id is global: another tenant's record under the id refuses it the same way,
 * and the filter on tenantId keeps another tenant's event from ever touching it; that event is
 * parked for a human.
 */
async function writeKnown(tenantId: string, companyId: string, condition: object, set: Partial<KnownCompanyDoc>): Promise<boolean> {
  const onInsert = Object.fromEntries(Object.entries(EMPTY).filter(([field]) => !(field in set)));
  try {
    const result = await KnownCompanyModel.updateOne(
      { _id: companyId, tenantId, ...condition },
      { ...(Object.keys(set).length > 0 && { $set: set }), $setOnInsert: { tenantId, ...onInsert } },
      { upsert: true },
    );
    return result.upsertedCount === 1;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    if (await KnownCompanyModel.exists({ _id: companyId, tenantId })) return false;
    throw new PermanentEventError(`company ${companyId} belongs to another tenant`);
  }
}

/** Makes sure the company's record exists for its tenant (with `set` written): true when this call created it. */
export const ensureKnownCompany = (tenantId: string, companyId: string, set: Partial<KnownCompanyDoc> = {}) => writeKnown(tenantId, companyId, {}, set);

/**
 * Sets one part of the record unless what set it last is newer than `at` (a late event changes
 * nothing), creating the record on the company's first event. True when this call created the
 * record. An event with the same `occurredAt` as the stored one is applied: a company's events
 * come in the order contacts published them (one partition, keyed by company), and two of one
 * edit often share a millisecond (a profile at 100% then 80% must not stay at 100%). A replay of
 * the stored event itself sets the same value again. A record kept before the clock existed
 * (no `ownerAt`) takes the first such event.
 */
export const setPartIfNewer = (tenantId: string, companyId: string, clock: PartClock, at: Date, part: Part) =>
  writeKnown(tenantId, companyId, { $or: [{ [clock]: { $lte: at } }, { [clock]: { $exists: false } }] }, { ...part, [clock]: at });

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
