/** Stored custom fields (an object by key) as the API's list of key/value pairs, by key. */
export const customFieldList = (values: Record<string, unknown> | null | undefined) =>
  Object.entries(values ?? {})
    .filter(([, value]) => value !== null && value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({ key, value }));
