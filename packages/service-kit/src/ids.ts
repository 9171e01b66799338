import DataLoader from 'dataloader';
import { isValidObjectId, type Model } from 'mongoose';
import { badInput } from './errors';

export const isId = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{24}$/i.test(value) && isValidObjectId(value);

/** Ids arrive from clients: a malformed one is bad input, not a lookup. */
export function requireId(value: string, field: string): string {
  if (!isId(value)) throw badInput(`${field} is not a valid id`, field);
  return value;
}

/**
 * Batches and de-duplicates lookups by id within one tenant and one request: the gateway
 * sends the same entity key many times in one query, and a page of deals asks for
 * each deal's company.
 */
export function createByIdLoader<T extends { _id: { toString(): string } }>(model: Model<any>, tenantId: string): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (ids) => {
    const valid = [...new Set(ids.filter(isId))];
    const rows = valid.length === 0 ? [] : await model.find({ tenantId, _id: { $in: valid } }).lean<T[]>();
    const byId = new Map(rows.map((row) => [row._id.toString(), row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
