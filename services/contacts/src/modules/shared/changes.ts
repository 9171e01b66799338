import { customFieldOf } from './custom-field-values';

/** One changed field: its API name and its value before and after, as JSON (dates as ISO strings). */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** A value as it travels in events and is compared: JSON, with empty values as null. */
export function jsonValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  const json = JSON.parse(JSON.stringify(value)) as unknown;
  return json;
}

/** A JSON value in one spelling: keys sorted, absent and null parts dropped (the store keeps either). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, part]) => part !== null && part !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, part]) => [key, canonical(part)]),
    );
  }
  return value;
}

/** Whether two stored values say the same (dates, ids and key order aside). */
export const same = (a: unknown, b: unknown) => JSON.stringify(canonical(jsonValue(a))) === JSON.stringify(canonical(jsonValue(b)));

/**
 * The fields that differ between two versions of a record. `fields` are API names read by
 * `valueOf`; `customFields` are compared key by key (`customFields.<key>`).
 */
export function diffFields<T>(
  before: T,
  after: T,
  fields: readonly string[],
  valueOf: (record: T, field: string) => unknown,
  customFields: (record: T) => Record<string, unknown> | null | undefined,
): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const [from, to] = [valueOf(before, field), valueOf(after, field)];
    if (!same(from, to)) changes.push({ field, from: jsonValue(from), to: jsonValue(to) });
  }
  const [oldCustom, newCustom] = [customFields(before) ?? {}, customFields(after) ?? {}];
  for (const key of [...new Set([...Object.keys(oldCustom), ...Object.keys(newCustom)])].sort()) {
    const [from, to] = [customFieldOf(oldCustom, key), customFieldOf(newCustom, key)];
    if (!same(from, to)) changes.push({ field: `customFields.${key}`, from: jsonValue(from), to: jsonValue(to) });
  }
  return changes;
}

/** Applies a custom fields input (values to set, null to clear) to the stored object. */
export function withCustomFields(stored: Record<string, unknown> | null | undefined, input: Record<string, unknown> | undefined): Record<string, unknown> {
  const next = { ...stored };
  for (const [key, value] of Object.entries(input ?? {})) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}
