import { model, Schema } from 'mongoose';

/**
 * A claimed unique value (a contact's email, a company's tax id) within a tenant. The store
 * has no transactions and FerretDB no partial unique indexes over array elements, so the
 * uniqueness lives here: `_id` = `<tenant>|<entity>|<kind>|<value>`, whose primary key lets
 * exactly one claim win. See unique-keys.ts for the protocol.
 */
export interface UniqueKeyDoc {
  _id: string;
  tenantId: string;
  entity: 'Company' | 'Contact';
  kind: 'email' | 'taxId';
  value: string;
  /** The record holding the value. */
  entityId: string;
  claimedAt: Date;
}

const schema = new Schema<UniqueKeyDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    entity: { type: String, required: true },
    kind: { type: String, required: true },
    value: { type: String, required: true },
    entityId: { type: String, required: true },
    claimedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'unique_keys' },
);
// A record's claims (released or moved together, for instance by a merge).
schema.index({ tenantId: 1, entityId: 1 });

export const UniqueKeyModel = model<UniqueKeyDoc>('UniqueKey', schema);
