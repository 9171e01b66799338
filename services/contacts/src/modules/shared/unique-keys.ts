import { isDuplicateKey } from '@crm/messaging';
import { conflict } from '@crm/service-kit';
import type { Model } from 'mongoose';
import { UniqueKeyModel, type UniqueKeyDoc } from './unique-key.model';

/**
 * Unique values per tenant without transactions. A write claims its record's new values
 * before it writes the record, and releases the values it no longer holds after:
 * - the claim is an insert by `_id`: of two concurrent claims exactly one succeeds;
 * - a value claimed by another record is a CONFLICT naming that record...
 * - ...unless the claim is stale: a crash between claim and write (the owner does not exist)
 *   or between write and release (the owner no longer holds the value). A stale claim is taken
 *   over by a conditional update (one taker wins). A claim younger than CLAIM_GRACE_MS is
 *   never stale: its owner's write may still be on its way.
 */
export const CLAIM_GRACE_MS = 60_000;

export type UniqueEntity = UniqueKeyDoc['entity'];
export interface UniqueKey {
  kind: UniqueKeyDoc['kind'];
  value: string;
  /** The input field the value came from, named in a CONFLICT. */
  field: string;
}

/** How to tell whether a record still holds a value: its current keys, or null when it does not exist. */
export type KeysOfOwner = (tenantId: string, entityId: string) => Promise<UniqueKey[] | null>;

const keyId = (tenantId: string, entity: UniqueEntity, key: Pick<UniqueKey, 'kind' | 'value'>) => `${tenantId}|${entity}|${key.kind}|${key.value}`;

async function claimOne(tenantId: string, entity: UniqueEntity, entityId: string, key: UniqueKey, keysOfOwner: KeysOfOwner): Promise<void> {
  const _id = keyId(tenantId, entity, key);
  try {
    await UniqueKeyModel.create({ _id, tenantId, entity, kind: key.kind, value: key.value, entityId, claimedAt: new Date() });
    return;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  const claim = await UniqueKeyModel.findOne({ _id }).lean<UniqueKeyDoc>().exec();
  if (!claim) return claimOne(tenantId, entity, entityId, key, keysOfOwner); // released meanwhile
  if (claim.entityId === entityId) return;
  const ownerKeys = Date.now() - claim.claimedAt.getTime() < CLAIM_GRACE_MS ? [key] : await keysOfOwner(tenantId, claim.entityId);
  const stale = !ownerKeys?.some((held) => held.kind === key.kind && held.value === key.value);
  if (stale) {
    const taken = await UniqueKeyModel.updateOne({ _id, entityId: claim.entityId }, { $set: { entityId, claimedAt: new Date() } }).exec();
    if (taken.modifiedCount === 1) return;
    return claimOne(tenantId, entity, entityId, key, keysOfOwner); // another taker won: look again
  }
  throw conflict(`${key.field} ${key.value} belongs to ${entity.toLowerCase()} ${claim.entityId}`, { existingId: claim.entityId, field: key.field });
}

/**
 * Claims `keys` for the record; on a CONFLICT the keys claimed by this call are released again.
 * Returns what to release if the record's write then fails.
 */
export async function claimKeys(tenantId: string, entity: UniqueEntity, entityId: string, keys: UniqueKey[], keysOfOwner: KeysOfOwner): Promise<void> {
  const claimed: UniqueKey[] = [];
  try {
    for (const key of keys) {
      await claimOne(tenantId, entity, entityId, key, keysOfOwner);
      claimed.push(key);
    }
  } catch (error) {
    await releaseKeys(tenantId, entity, entityId, claimed);
    throw error;
  }
}

/** Releases the record's claims on `keys` (never another record's). */
export async function releaseKeys(tenantId: string, entity: UniqueEntity, entityId: string, keys: Pick<UniqueKey, 'kind' | 'value'>[]): Promise<void> {
  if (keys.length === 0) return;
  await UniqueKeyModel.deleteMany({ _id: { $in: keys.map((key) => keyId(tenantId, entity, key)) }, entityId }).exec();
}

/** The keys in `next` that `previous` lacks (to claim), and those of `previous` gone from `next` (to release after the write). */
export function keyChanges(previous: UniqueKey[], next: UniqueKey[]) {
  const has = (list: UniqueKey[], key: UniqueKey) => list.some((other) => other.kind === key.kind && other.value === key.value);
  return { added: next.filter((key) => !has(previous, key)), removed: previous.filter((key) => !has(next, key)) };
}

/**
 * The records claiming `values` of one kind (for instance the contacts holding these emails, a
 * secondary one included): value -> entity id, in one look-up by the claims' ids. A claim may be
 * stale (see above): check that the record found still holds the value.
 */
export async function claimHolders(tenantId: string, entity: UniqueEntity, kind: UniqueKey['kind'], values: string[]): Promise<Map<string, string>> {
  if (values.length === 0) return new Map();
  const claims = await UniqueKeyModel.find({ _id: { $in: values.map((value) => keyId(tenantId, entity, { kind, value })) }, tenantId }, { value: 1, entityId: 1 }).lean<UniqueKeyDoc[]>().exec();
  return new Map(claims.map((claim) => [claim.value, claim.entityId]));
}

/** Keys of a record read by id within its tenant: for KeysOfOwner. */
export const ownerKeys =
  <T>(model: Model<T>, keysOf: (doc: T) => UniqueKey[]): KeysOfOwner =>
  async (tenantId, entityId) => {
    const doc = await model.findOne({ _id: entityId, tenantId }).lean<T>().exec();
    return doc ? keysOf(doc as T) : null;
  };

/**
 * Claims the keys of many new records at once (imports): one bulk insert, then the one-by-one
 * path only for values already claimed (an interrupted run's own claims, stale ones, or another
 * record's). Returns the ids of the records that lost a value to another record: their claims
 * are released and they must not be written.
 */
export async function claimKeysOfNewRecords(
  tenantId: string,
  entity: UniqueEntity,
  records: { entityId: string; keys: UniqueKey[] }[],
  keysOfOwner: KeysOfOwner,
): Promise<Set<string>> {
  const claims = records.flatMap(({ entityId, keys }) => keys.map((key) => ({ entityId, key })));
  if (claims.length === 0) return new Set();
  const now = new Date();
  const docs = claims.map(({ entityId, key }) => ({ _id: keyId(tenantId, entity, key), tenantId, entity, kind: key.kind, value: key.value, entityId, claimedAt: now }));
  const taken = new Set<number>();
  try {
    // Built whole here: the driver's insert, without a mongoose document per claim.
    await UniqueKeyModel.insertMany(docs, { ordered: false, lean: true });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { index?: number; err?: { index?: number } }[] }).writeErrors;
    if (!isDuplicateKey(error) || !writeErrors) throw error;
    for (const failed of writeErrors) taken.add(failed.index ?? failed.err?.index ?? -1);
  }
  const refused = new Set<string>();
  for (const index of taken) {
    const claim = claims[index];
    if (!claim || refused.has(claim.entityId)) continue;
    try {
      await claimOne(tenantId, entity, claim.entityId, claim.key, keysOfOwner);
    } catch (error) {
      if ((error as { extensions?: { code?: string } }).extensions?.code !== 'CONFLICT') throw error;
      refused.add(claim.entityId);
    }
  }
  for (const entityId of refused) {
    await releaseKeys(tenantId, entity, entityId, records.find((record) => record.entityId === entityId)!.keys);
  }
  return refused;
}
