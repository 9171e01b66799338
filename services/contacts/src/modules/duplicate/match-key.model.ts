import { model, Schema } from 'mongoose';
import type { MatchEntity, MatchKind } from './match-keys';

/**
 * One key a company or contact person can be found by as a duplicate (see match-keys.ts): scalar
 * values in a collection of their own, so a lookup is an equality on an index. (Equality on an
 * array field of the records themselves is served on the local store by a superset read then a
 * filter in FerretDB, and costs a multikey index per channel on MongoDB.)
 *
 * The id is deterministic (`<tenant>|<entity>|<entityId>|<kind>|<value>`): writing a key again
 * is an upsert of the same document, so syncing a record twice changes nothing.
 */
export interface MatchKeyDoc {
  _id: string;
  tenantId: string;
  entity: MatchEntity;
  entityId: string;
  kind: MatchKind;
  value: string;
}

const schema = new Schema<MatchKeyDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    entity: { type: String, required: true },
    entityId: { type: String, required: true },
    kind: { type: String, required: true },
    value: { type: String, required: true },
  },
  { versionKey: false, collection: 'match_keys' },
);
// Who else has this email/phone/tax id/name+domain: the duplicates lookup.
schema.index({ tenantId: 1, entity: 1, kind: 1, value: 1 });
// A record's own keys: the sync removes those it no longer has.
schema.index({ tenantId: 1, entity: 1, entityId: 1 });

export const matchKeyId = (tenantId: string, entity: MatchEntity, entityId: string, kind: MatchKind, value: string) => `${tenantId}|${entity}|${entityId}|${kind}|${value}`;

export const MatchKeyModel = model<MatchKeyDoc>('MatchKey', schema);
