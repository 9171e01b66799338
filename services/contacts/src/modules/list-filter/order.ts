import type { Access } from '@crm/policy';
import { badInput, isId } from '@crm/service-kit';
import { Types } from 'mongoose';
import type { OrderDirection } from '../../generated/graphql';
import { requireFieldRight, type OrderSpec } from './field-registry';
import type { StoreFilter } from './store-filter';

/** Most sort keys in one orderBy. */
export const MAX_ORDER_KEYS = 5;

export interface OrderInput<F extends string = string> {
  field: F;
  direction?: OrderDirection | null;
}

interface SortKey {
  spec: OrderSpec;
  descending: boolean;
}

/**
 * The sort of a list: the requested keys, then `_id` so that every order is total (two records
 * never tie), which makes keyset cursors exact: no duplicate and no gap between pages.
 */
export class ListOrder {
  private constructor(
    private readonly keys: SortKey[],
    private readonly idDescending: boolean,
  ) {}

  /**
   * No orderBy: newest first, as the lists always were. With a `reader`, a sort on a field they
   * are denied is FORBIDDEN: the order, and the cursors carrying the sort values, would tell them.
   */
  static of<F extends string>(orderBy: OrderInput<F>[] | null | undefined, registry: Record<F, OrderSpec>, reader?: Access): ListOrder {
    if (!orderBy || orderBy.length === 0) return new ListOrder([], true);
    if (orderBy.length > MAX_ORDER_KEYS) throw badInput(`orderBy: at most ${MAX_ORDER_KEYS} keys`, 'orderBy');
    const keys = orderBy.map(({ field, direction }, i) => {
      const spec = registry[field];
      if (!spec) throw badInput(`orderBy.${i}.field: unknown field ${String(field)}`, `orderBy.${i}.field`);
      requireFieldRight(reader, spec, 'sort by', `orderBy.${i}.field`);
      return { spec, descending: direction === 'DESC' };
    });
    if (new Set(keys.map((key) => key.spec.path)).size !== keys.length) throw badInput('orderBy: a field appears twice', 'orderBy');
    return new ListOrder(keys, false);
  }

  /** Names the order inside its cursors: a cursor from another order is refused, not misread. */
  private get signature(): string {
    return this.keys.map((key) => `${key.spec.name}:${key.descending ? 'd' : 'a'}`).join(',');
  }

  sort(): Record<string, 1 | -1> {
    const sort: Record<string, 1 | -1> = {};
    for (const key of this.keys) sort[key.spec.path] = key.descending ? -1 : 1;
    sort._id = this.idDescending ? -1 : 1;
    return sort;
  }

  /** A record's position in this order: its sort values and id, opaque to clients. */
  cursorOf(doc: Record<string, unknown> & { _id: Types.ObjectId }): string {
    const values = this.keys.map((key) => {
      const value = valueAt(doc, key.spec.path);
      return value instanceof Date ? value.toISOString() : value instanceof Types.ObjectId ? value.toString() : (value ?? null);
    });
    return Buffer.from(JSON.stringify({ o: this.signature, v: values, id: doc._id.toString() })).toString('base64url');
  }

  /**
   * What comes after the cursor, from typed values: for keys k1..kn and the id, the records
   * with (k1 after v1) or (k1 = v1 and k2 after v2) or ... or (all equal and _id after id).
   * Missing values sort first ascending and last descending, as the store sorts them.
   */
  after(cursor: string): StoreFilter {
    const { values, id } = this.decode(cursor);
    const keys = [...this.keys.map((key, i) => ({ path: key.spec.path, descending: key.descending, value: values[i] })), { path: '_id', descending: this.idDescending, value: id as unknown }];
    const branches: StoreFilter[] = [];
    for (let i = 0; i < keys.length; i++) {
      const { path, descending, value } = keys[i]!;
      const beyond = value === null ? (descending ? null : { [path]: { $ne: null } }) : descending ? { $or: [{ [path]: { $lt: value } }, { [path]: null }] } : { [path]: { $gt: value } };
      if (beyond) branches.push(Object.assign({}, ...keys.slice(0, i).map((key) => ({ [key.path]: key.value })), beyond));
    }
    return { $or: branches };
  }

  private decode(cursor: string): { values: unknown[]; id: Types.ObjectId } {
    let parsed: { o?: unknown; v?: unknown; id?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw badInput('after is not a valid cursor', 'after');
    }
    if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.v) || !isId(parsed.id)) throw badInput('after is not a valid cursor', 'after');
    if (parsed.o !== this.signature || parsed.v.length !== this.keys.length) throw badInput('after is a cursor of another order: keep orderBy while paging', 'after');
    const values = parsed.v.map((value, i) => typed(this.keys[i]!.spec, value));
    return { values, id: new Types.ObjectId(parsed.id) };
  }
}

/** A cursor value back in its stored type; anything else is a forged cursor. */
function typed(spec: OrderSpec, value: unknown): unknown {
  const bad = () => badInput('after is not a valid cursor', 'after');
  if (value === null) return null;
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') throw bad();
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad();
      return value;
    case 'date': {
      const date = typeof value === 'string' ? new Date(value) : null;
      if (!date || Number.isNaN(date.getTime())) throw bad();
      return date;
    }
    case 'objectId':
      if (!isId(value)) throw bad();
      return new Types.ObjectId(value);
  }
}

/** The value at a dotted path of a plain document. */
function valueAt(doc: Record<string, unknown>, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}
