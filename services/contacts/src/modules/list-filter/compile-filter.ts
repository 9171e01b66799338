import type { Access } from '@crm/policy';
import { badInput, isId } from '@crm/service-kit';
import { Types } from 'mongoose';
import type { FilterOp } from '../../generated/graphql';
import { opsOf, requireFieldRight, type FieldSpec } from './field-registry';
import { allOf, type StoreFilter } from './store-filter';

/** Bounds of one filter: it is client input like any other. */
export const FILTER_LIMITS = {
  /** Nesting of and/or/not. */
  depth: 5,
  /** Items of one and/or. */
  width: 20,
  /** Conditions (leaves) in the whole filter. */
  conditions: 50,
  /** Items of an IN. */
  inValues: 100,
  /** Characters of a text value. */
  text: 200,
} as const;

/** A custom field's key: letters, digits and underscores (never a path or an operator). */
export const CUSTOM_FIELD_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** The GraphQL filter input of any list: `field` is the list's enum of fields. */
export interface FilterInput<F extends string = string> {
  and?: FilterInput<F>[] | null;
  or?: FilterInput<F>[] | null;
  not?: FilterInput<F> | null;
  field?: F | null;
  customField?: string | null;
  op?: FilterOp | null;
  value?: unknown;
  values?: unknown[] | null;
}

type Registry<F extends string> = Record<F, FieldSpec>;

/** A custom field: its type is not known here, so a value is taken for what it is (text, number, true/false). */
const customSpec = (key: string): FieldSpec & { custom: true } => ({
  name: `customFields.${key}`,
  path: `customFields.${key}`,
  type: 'string',
  custom: true,
  ops: ['EQ', 'NEQ', 'IN', 'GT', 'GTE', 'LT', 'LTE', 'CONTAINS', 'IS_NULL'],
});

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Turns a typed filter into a store filter. Every path and operator comes from the registry;
 * client values are checked against the field's type and converted (dates, ids) before they
 * reach the store. Errors are BAD_USER_INPUT naming where in the filter the problem is; with a
 * `reader`, a condition on a field they are denied is FORBIDDEN (its matches would tell its values).
 */
export function compileFilter<F extends string>(filter: FilterInput<F> | null | undefined, registry: Registry<F>, at = 'filter', reader?: Access): StoreFilter {
  if (!filter) return {};
  const counter = { conditions: 0 };
  return node(filter, registry, at, 1, counter, reader);
}

function node<F extends string>(input: FilterInput<F>, registry: Registry<F>, at: string, depth: number, counter: { conditions: number }, reader: Access | undefined): StoreFilter {
  if (depth > FILTER_LIMITS.depth) throw badInput(`${at}: filters nest at most ${FILTER_LIMITS.depth} levels deep`, at);
  const isLeaf = input.field != null || input.customField != null || input.op != null;
  const kinds = [input.and != null, input.or != null, input.not != null, isLeaf].filter(Boolean).length;
  if (kinds !== 1) throw badInput(`${at}: give exactly one of and, or, not, or a condition (field or customField with op)`, at);

  const group = (items: FilterInput<F>[], key: 'and' | 'or') => {
    if (items.length === 0 || items.length > FILTER_LIMITS.width) throw badInput(`${at}.${key}: between 1 and ${FILTER_LIMITS.width} items`, `${at}.${key}`);
    return items.map((item, i) => node(item, registry, `${at}.${key}.${i}`, depth + 1, counter, reader));
  };
  if (input.and) return allOf(group(input.and, 'and'));
  if (input.or) {
    const parts = group(input.or, 'or');
    return parts.length === 1 ? parts[0]! : { $or: parts };
  }
  if (input.not) return { $nor: [node(input.not, registry, `${at}.not`, depth + 1, counter, reader)] };

  counter.conditions += 1;
  if (counter.conditions > FILTER_LIMITS.conditions) throw badInput(`filter: at most ${FILTER_LIMITS.conditions} conditions`, 'filter');
  return condition(input, registry, at, reader);
}

function fieldOf<F extends string>(input: FilterInput<F>, registry: Registry<F>, at: string): FieldSpec & { custom?: boolean } {
  if ((input.field == null) === (input.customField == null)) throw badInput(`${at}: give either field or customField`, at);
  if (input.customField != null) {
    if (!CUSTOM_FIELD_KEY.test(input.customField)) throw badInput(`${at}.customField: a key is a letter then letters, digits or _ (at most 64)`, `${at}.customField`);
    return customSpec(input.customField);
  }
  const spec = registry[input.field as F];
  // GraphQL already refuses values outside the enum; this guards callers inside the service.
  if (!spec) throw badInput(`${at}.field: unknown field ${String(input.field)}`, `${at}.field`);
  return spec;
}

function condition<F extends string>(input: FilterInput<F>, registry: Registry<F>, at: string, reader: Access | undefined): StoreFilter {
  const spec = fieldOf(input, registry, at);
  requireFieldRight(reader, spec, 'filter by', `${at}.field`);
  const op = input.op;
  if (!op) throw badInput(`${at}.op is required with a field`, `${at}.op`);
  if (!opsOf(spec).includes(op)) throw badInput(`${at}: ${spec.name} does not take ${op} (it takes ${opsOf(spec).join(', ')})`, `${at}.op`);
  if (op !== 'IN' && input.values != null) throw badInput(`${at}.values is only for IN`, `${at}.values`);
  if (op === 'IN' && input.value !== undefined && input.value !== null) throw badInput(`${at}: IN takes values, not value`, `${at}.value`);

  const one = () => valueOf(spec, input.value, op, `${at}.value`);
  switch (op) {
    case 'EQ':
      return { [spec.path]: one() };
    case 'NEQ':
      return { [spec.path]: { $ne: one() } };
    case 'IN': {
      const values = input.values;
      if (!values || values.length === 0 || values.length > FILTER_LIMITS.inValues) throw badInput(`${at}.values: between 1 and ${FILTER_LIMITS.inValues} values`, `${at}.values`);
      return { [spec.path]: { $in: values.map((value, i) => valueOf(spec, value, op, `${at}.values.${i}`)) } };
    }
    case 'GT':
    case 'GTE':
    case 'LT':
    case 'LTE':
      return { [spec.path]: { [`$${op.toLowerCase()}`]: one() } };
    case 'CONTAINS': {
      const needle = input.value;
      if (typeof needle !== 'string' || needle.length === 0 || needle.length > FILTER_LIMITS.text) throw badInput(`${at}.value: CONTAINS takes a text of 1 to ${FILTER_LIMITS.text} characters`, `${at}.value`);
      // An escaped pattern: the client's text is matched literally, never run as a regex.
      return { [spec.path]: { $regex: escapeRegex(spec.normalise ? spec.normalise(needle) : needle), $options: 'i' } };
    }
    case 'IS_NULL': {
      const wanted = input.value ?? true;
      if (typeof wanted !== 'boolean') throw badInput(`${at}.value: IS_NULL takes true or false`, `${at}.value`);
      const empty = isEmpty(spec);
      return wanted ? empty : { $nor: [empty] };
    }
  }
}

/** Empty: a missing or null value; a list without elements. */
function isEmpty(spec: FieldSpec): StoreFilter {
  const path = spec.nullPath ?? spec.path;
  // `{path: null}` also matches a missing field.
  return spec.list ? { $or: [{ [path]: null }, { [path]: { $size: 0 } }] } : { [path]: null };
}

/** A client value checked against the field's type and converted to its stored form. */
function valueOf(spec: FieldSpec & { custom?: boolean }, value: unknown, op: FilterOp, at: string): unknown {
  const fail = (what: string): never => {
    throw badInput(`${at}: ${spec.name} takes ${what}`, at);
  };
  if (value === null || value === undefined) fail(`a value with ${op} (use IS_NULL for empty)`);
  if (spec.custom) {
    // Text, numbers and true/false compare as they are stored; ranges only between texts or numbers.
    const ranged = op !== 'EQ' && op !== 'NEQ' && op !== 'IN';
    if (typeof value === 'string') return value.length <= FILTER_LIMITS.text ? value : fail(`a text of at most ${FILTER_LIMITS.text} characters`);
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'boolean' && !ranged) return value;
    return fail(ranged ? 'a text or a number' : 'a text, a number or true/false');
  }
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string' || value.length > FILTER_LIMITS.text) fail(`a text of at most ${FILTER_LIMITS.text} characters`);
      return spec.normalise ? spec.normalise(value as string) : value;
    case 'enum':
      if (typeof value !== 'string' || !spec.values!.includes(value)) fail(`one of ${spec.values!.join(', ')}`);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('a number');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') fail('true or false');
      return value;
    case 'date': {
      const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : null;
      if (!date || Number.isNaN(date.getTime())) fail('an ISO-8601 date, for instance 2024-05-31T00:00:00Z');
      return date;
    }
    case 'objectId':
      if (!isId(value)) fail('an id');
      return new Types.ObjectId(value as string);
  }
}
