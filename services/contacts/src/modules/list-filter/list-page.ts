import { pageSize, type Connection } from '@crm/service-kit';
import type { Model, Types } from 'mongoose';
import type { ListOrder } from './order';
import { allOf, type StoreFilter } from './store-filter';

export interface ListRequest {
  tenantId: string;
  /** The compiled client filter (compileFilter), or {}. */
  filter: StoreFilter;
  order: ListOrder;
  first?: number | null;
  after?: string | null;
}

/**
 * One page of a tenant's records: filter, order, keyset cursor, one row more than the page to
 * know whether another follows. totalCount counts the filter (without the cursor) only when asked.
 */
export async function listPage<T extends { _id: Types.ObjectId }>(model: Model<T>, request: ListRequest): Promise<Connection<T>> {
  const size = pageSize(request.first);
  const base = allOf([{ tenantId: request.tenantId }, request.filter]);
  const filter = request.after ? allOf([base, request.order.after(request.after)]) : base;
  const rows = await model.find(filter).sort(request.order.sort()).limit(size + 1).lean<T[]>().exec();
  const edges = rows.slice(0, size).map((node) => ({ cursor: request.order.cursorOf(node as T & Record<string, unknown>), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: Boolean(request.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: () => model.countDocuments(base).exec(),
  };
}
