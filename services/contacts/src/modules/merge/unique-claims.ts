import mongoose from 'mongoose';
import type { MatchEntity } from '../duplicate/match-keys';

/**
 * The unique keys of the core module (contacts' emails, companies' tax ids: one record per tenant
 * may claim each). Written against that collection's shape: `_id: "<tenant>|<entity>|<kind>|<value>"`
 * with {tenantId, entityId}. Only this module moves claims, by their ids: no index of its own needed.
 */
const uniqueKeys = () => mongoose.connection.collection<{ _id: string; tenantId: string; entityId: string }>('unique_keys');

export const uniqueKeyId = (tenantId: string, entity: MatchEntity, kind: 'email' | 'taxId', value: string) => `${tenantId}|${entity}|${kind}|${value}`;

/**
 * The claims of the merged records pass to the primary, before the records are removed: a claim
 * whose owner is gone would be taken over by the next record with that key, a duplicate again.
 */
export async function moveClaims(tenantId: string, claimIds: string[], fromIds: string[], toId: string): Promise<void> {
  if (claimIds.length === 0) return;
  await uniqueKeys().updateMany({ _id: { $in: claimIds }, tenantId, entityId: { $in: fromIds } }, { $set: { entityId: toId } });
}
