import { isDuplicateKey } from '@crm/messaging';
import { isValidObjectId } from 'mongoose';
import { CompanyModel, type CompanyDoc } from '../company/company.model';
import { ContactModel, type ContactDoc } from '../contact/contact.model';
import { matchKeyId, MatchKeyModel } from './match-key.model';
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
 * Makes a record's match keys those of its current state: upserts the keys it has (deterministic
 * ids), then removes the ones it no longer has; a record that is gone loses them all. It reads
 * the record rather than the event, so however often or late an event comes, the keys converge
 * on the stored record.
 */
export async function syncMatchKeys(tenantId: string, entity: MatchEntity, entityId: string): Promise<void> {
  const record = await currentRecord(tenantId, entity, entityId);
  const keys = record ? keysOf(entity, record) : [];
  const ids = keys.map((key) => matchKeyId(tenantId, entity, entityId, key.kind, key.value));
  if (keys.length > 0) {
    await MatchKeyModel.bulkWrite(
      keys.map((key, i) => ({
        updateOne: { filter: { _id: ids[i]! }, update: { $setOnInsert: { tenantId, entity, entityId, kind: key.kind, value: key.value } }, upsert: true },
      })),
      { ordered: false },
    ).catch((error: unknown) => {
      // A concurrent sync upserted the same key first: the same document, nothing lost.
      if (!isDuplicateKey(error)) throw error;
    });
  }
  await MatchKeyModel.deleteMany({ tenantId, entity, entityId, _id: { $nin: ids } });
}
