import { isDuplicateKey } from '@crm/messaging';
import { isValidObjectId } from 'mongoose';
import { CompanyModel, type CompanyDoc } from '../company/company.model';
import { ContactModel, type ContactDoc } from '../contact/contact.model';
import { matchKeyId, MatchKeyModel, type MatchKeyDoc } from './match-key.model';
import { companyMatchKeys, contactMatchKeys, type MatchEntity, type MatchKey } from './match-keys';

/** The record as it is now, or null when it is gone (merged away, or never of this tenant). */
export async function currentRecord(tenantId: string, entity: MatchEntity, entityId: string): Promise<CompanyDoc | ContactDoc | null> {
  if (!isValidObjectId(entityId)) return null;
  const model = entity === 'Company' ? CompanyModel : ContactModel;
  return (model as typeof CompanyModel).findOne({ _id: entityId, tenantId }).lean<CompanyDoc | ContactDoc>();
}

export const keysOf = (entity: MatchEntity, record: CompanyDoc | ContactDoc): MatchKey[] =>
  entity === 'Company' ? companyMatchKeys(record as CompanyDoc) : contactMatchKeys(record as ContactDoc);

/**
 * Makes the records' match keys those of their current state: inserts the keys a record has and
 * its stored keys lack (deterministic ids), then removes the stored keys it no longer has; a
 * record that is gone loses them all. It reads the records rather than the events, so however
 * often or late an event comes, the keys converge on the stored records. Three store operations
 * for any number of records (an import's events come a fetched batch at a time).
 */
export async function syncMatchKeys(tenantId: string, entity: MatchEntity, entityIds: readonly string[]): Promise<void> {
  const ids = [...new Set(entityIds)];
  if (ids.length === 0) return;
  const readable = ids.filter((id) => isValidObjectId(id));
  const model = (entity === 'Company' ? CompanyModel : ContactModel) as typeof CompanyModel;
  const [records, stored] = await Promise.all([
    readable.length > 0 ? model.find({ tenantId, _id: { $in: readable } }).lean<(CompanyDoc | ContactDoc)[]>() : [],
    MatchKeyModel.find({ tenantId, entity, entityId: { $in: ids } }, { _id: 1 }).lean<{ _id: string }[]>(),
  ]);
  const wanted = new Map<string, MatchKeyDoc>();
  for (const record of records) {
    const entityId = String(record._id);
    for (const { kind, value } of keysOf(entity, record)) {
      const _id = matchKeyId(tenantId, entity, entityId, kind, value);
      wanted.set(_id, { _id, tenantId, entity, entityId, kind, value });
    }
  }
  const have = new Set(stored.map(({ _id }) => _id));
  const missing = [...wanted.values()].filter(({ _id }) => !have.has(_id));
  const stale = [...have].filter((_id) => !wanted.has(_id));
  if (missing.length > 0) {
    await MatchKeyModel.insertMany(missing, { ordered: false, lean: true }).catch((error: unknown) => {
      // A concurrent sync inserted the same key first: the same document, nothing lost.
      if (!isDuplicateKey(error)) throw error;
    });
  }
  if (stale.length > 0) await MatchKeyModel.deleteMany({ tenantId, entity, _id: { $in: stale } });
}
