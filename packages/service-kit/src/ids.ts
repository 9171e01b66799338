import DataLoader from 'dataloader';
import { isValidObjectId, type Model } from 'mongoose';
import { z } from 'zod';
import { badInput } from './errors';
import type { ReadCache } from './read-cache';

export const isId = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{24}$/i.test(value) && isValidObjectId(value);

/** Ids arrive from clients: a malformed one is bad input, not a lookup. */
export function requireId(value: string, field: string): string {
  if (!isId(value)) throw badInput(`${field} is not a valid id`, field);
  return value;
}

/** User ids are the identity provider's `sub`: at most 64 characters, as an Identity's. */
export const MAX_USER_ID_LENGTH = 64;

export function requireUserId(value: string, field: string): string {
  if (value.length === 0 || value.length > MAX_USER_ID_LENGTH) throw badInput(`${field} is not a valid user id`, field);
  return value;
}

/** An id field of a zod input schema: 24 hex digits. */
export const idInput = (field: string) => z.string().regex(/^[0-9a-f]{24}$/i, `${field} is not a valid id`);

/** A user id field of a zod input schema. */
export const userIdInput = (field: string) => z.string().trim().min(1, `${field} must not be empty`).max(MAX_USER_ID_LENGTH, `${field} is not a valid user id`);

/**
 * Batches and de-duplicates lookups by id within one tenant and one request: the gateway
 * sends the same entity key many times in one query, and a page of deals asks for
 * each deal's company. With `kept`, records found there are not read again (a read cache:
 * for showing records, never for the read a write is checked against).
 */
export function createByIdLoader<T extends { _id: { toString(): string } }>(model: Model<any>, tenantId: string, kept?: ReadCache<T>): DataLoader<string, T | null> {
  const read = async (ids: string[]) => new Map((await model.find({ tenantId, _id: { $in: ids } }).lean<T[]>()).map((row) => [row._id.toString(), row] as const));
  return new DataLoader<string, T | null>(async (ids) => {
    const valid = [...new Set(ids.filter(isId))];
    const byId: Map<string, T | null> = valid.length === 0 ? new Map() : kept ? await kept.getMany(tenantId, valid, read) : await read(valid);
    return ids.map((id) => byId.get(id) ?? null);
  });
}
