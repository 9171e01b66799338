import { can, rowFilter, type Access } from '@crm/policy';
import { forbidden, notFound, requireId, type ListBound } from '@crm/service-kit';
import { CompanyModel, type CompanyDoc } from '../company/company.model';
import { ContactModel, type ContactDoc } from '../contact/contact.model';
import { MatchKeyModel } from './match-key.model';
import { matchKinds, type MatchEntity, type MatchKey } from './match-keys';
import { currentRecord, keysOf } from './sync-match-keys';

/** companyDuplicates / contactDuplicates: as in duplicate.graphql. */
export const DUPLICATES: ListBound = { default: 10, max: 50 };
/** Keys read per kind: a value shared by more records than this (a switchboard number) says little more. */
const KEYS_PER_KIND = 200;

export interface Duplicate<T> {
  record: T;
  reasons: MatchKey[];
}

const sameKey = (a: MatchKey) => (b: MatchKey) => a.kind === b.kind && a.value === b.value;

/**
 * The records of the tenant that share a match key with the record `id`, most reasons first.
 * Candidates come from the key index; their reasons are then checked against their current state
 * (an index entry may lag a write by a moment), so every reason given is true now.
 */
export async function findDuplicates<T extends CompanyDoc | ContactDoc>(tenantId: string, entity: MatchEntity, id: string, size: number, access?: Access): Promise<Duplicate<T>[]> {
  requireId(id, 'id');
  const record = await currentRecord(tenantId, entity, id);
  if (!record) throw notFound(entity, id);
  // With the caller's rights: the record must be theirs to read, and so must the candidates (in the store query).
  const object = entity === 'Company' ? 'company' : 'contact';
  if (access && !can(access, object, 'read', record)) throw forbidden(`you may not read this ${object}`);
  const rowScope = (access && rowFilter(access, object, 'read')) ?? {};
  const keys = keysOf(entity, record);
  if (keys.length === 0 || size === 0) return [];

  const candidates = new Map<string, number>();
  for (const kind of matchKinds) {
    const values = keys.filter((key) => key.kind === kind).map((key) => key.value);
    if (values.length === 0) continue;
    const found = await MatchKeyModel.find({ tenantId, entity, kind, value: { $in: values } }, { entityId: 1 }).limit(KEYS_PER_KIND).lean<{ entityId: string }[]>();
    for (const { entityId } of found) if (entityId !== id) candidates.set(entityId, (candidates.get(entityId) ?? 0) + 1);
  }
  // The likeliest first, a bounded number of them: enough to fill the page after the check.
  const likeliest = [...candidates.entries()].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)).slice(0, size * 2 + 10).map(([entityId]) => entityId);
  if (likeliest.length === 0) return [];
  const model = (entity === 'Company' ? CompanyModel : ContactModel) as typeof CompanyModel;
  const records = await model.find({ tenantId, _id: { $in: likeliest }, ...rowScope }).lean<T[]>();
  return records
    .map((candidate) => ({ record: candidate, reasons: keysOf(entity, candidate).filter((key) => keys.some(sameKey(key))) }))
    .filter((duplicate) => duplicate.reasons.length > 0)
    .sort((a, b) => b.reasons.length - a.reasons.length || a.record._id.toString().localeCompare(b.record._id.toString()))
    .slice(0, size);
}

/** What the GraphQL duplicate types resolve from. */
export interface CompanyDuplicateView {
  company: CompanyDoc;
  reasons: MatchKey[];
}
export interface ContactDuplicateView {
  contact: ContactDoc;
  reasons: MatchKey[];
}
