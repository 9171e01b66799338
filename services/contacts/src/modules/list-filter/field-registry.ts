import type { Access, deniableFields } from '@crm/policy';
import { forbidden } from '@crm/service-kit';
import type { FilterOp } from '../../generated/graphql';

/** What a field holds in the store: decides how client values are checked and converted. */
export type ValueType = 'string' | 'enum' | 'number' | 'date' | 'boolean' | 'objectId';

/**
 * One filterable field: its API name (errors name it), where it lives in the store, its type.
 * Filters are only ever built from these specs: a client picks a field from a GraphQL enum and
 * never passes a store path or an operator as a string.
 */
export interface FieldSpec {
  /** API name, for instance `profile.solvency` (see contacts-common: the GraphQL field names). */
  name: string;
  /** Store path compared with the value, for instance `profile.solvency.rating`. */
  path: string;
  type: ValueType;
  /** The stored value is a list: EQ/IN/CONTAINS match any element, IS_NULL means empty. */
  list?: boolean;
  /** Where IS_NULL looks when it differs from `path` (a list of sub-documents, an object). */
  nullPath?: string;
  /** Allowed values of an enum field. */
  values?: readonly string[];
  /** The stored form of a client's text (for instance `name` is compared on its name key). */
  normalise?: (text: string) => string;
  /** Ops other than the type's default set (for instance IS_NULL only). */
  ops?: readonly FilterOp[];
  /** The field right the field's values fall under (see FieldRight). */
  right?: FieldRight;
}

/**
 * A field a role may be denied (@crm/policy deniableFields). A list filtered or sorted on it tells
 * its values (which records match `> 100000`, their order, the sort values in the cursors), so a
 * reader denied it may neither filter nor sort on it.
 */
export type FieldRight = (typeof deniableFields)[number];

/** FORBIDDEN, naming the field, when the reader is denied its right (no reader: a service-side use, unchecked). */
export function requireFieldRight(reader: Access | undefined, spec: { name: string; right?: FieldRight }, use: 'filter by' | 'sort by', at: string): void {
  if (reader && spec.right && reader.deniedFields.has(spec.right)) throw forbidden(`${at}: you may not ${use} ${spec.name} (your role may not read ${spec.right})`);
}

const ORDERED: readonly FilterOp[] = ['EQ', 'NEQ', 'IN', 'GT', 'GTE', 'LT', 'LTE', 'IS_NULL'];

/** The ops a field accepts: ranges only where the order means something, CONTAINS only on text. */
export function opsOf(spec: FieldSpec): readonly FilterOp[] {
  if (spec.ops) return spec.ops;
  switch (spec.type) {
    case 'string':
      return spec.list ? ['EQ', 'NEQ', 'IN', 'CONTAINS', 'IS_NULL'] : [...ORDERED, 'CONTAINS'];
    case 'number':
    case 'date':
      return spec.list ? ['EQ', 'NEQ', 'IN', 'IS_NULL'] : ORDERED;
    case 'boolean':
      return ['EQ', 'NEQ', 'IS_NULL'];
    case 'enum':
    case 'objectId':
      return ['EQ', 'NEQ', 'IN', 'IS_NULL'];
  }
}

/** Text fields: a field per API name, compared as stored. */
export const text = (name: string, path = name, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, path, type: 'string', ...extra });
export const textList = (name: string, path = name, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, path, type: 'string', list: true, ...extra });
export const lowerCase = (value: string) => value.trim().toLowerCase();

/** One orderable field: cursors carry its value, typed by `type`. */
export interface OrderSpec {
  name: string;
  path: string;
  type: Exclude<ValueType, 'enum' | 'boolean'>;
  /** The field right the sort values fall under (see FieldRight). */
  right?: FieldRight;
}
