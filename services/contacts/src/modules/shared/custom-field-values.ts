/** Stored custom fields (an object by key) as the API's list of key/value pairs, by key. */
export const customFieldList = (values: Record<string, unknown> | null | undefined) =>
  Object.entries(values ?? {})
    .filter(([, value]) => value !== null && value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({ key, value }));

/**
 * The value of one custom field, an own property only: a key named as an Object.prototype member
 * (`constructor`, `toString`) would otherwise read an inherited function where no value is set.
 */
export const customFieldOf = (values: Record<string, unknown> | null | undefined, key: string): unknown => (values && Object.hasOwn(values, key) ? values[key] : undefined);
