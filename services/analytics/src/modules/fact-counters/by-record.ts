/** A batch's items that change one record (a fact), in the batch's order. */
export interface RecordItems<T> {
  tenantId: string;
  id: string;
  items: T[];
}

/**
 * A batch's items by the record they change, each record's in order. An id that two tenants name
 * in one batch is left out (`alone`, in order), to go the per-event way, which refuses the other
 * tenant's: ids are global.
 */
export function byRecord<T>(items: readonly T[], keyOf: (item: T) => { tenantId: string; id: string }): { records: RecordItems<T>[]; alone: T[] } {
  const records = new Map<string, RecordItems<T>>();
  const mixed = new Set<string>();
  for (const item of items) {
    const { tenantId, id } = keyOf(item);
    const record = records.get(id);
    if (!record) records.set(id, { tenantId, id, items: [item] });
    else if (record.tenantId !== tenantId) mixed.add(id);
    else record.items.push(item);
  }
  return {
    records: [...records.values()].filter((record) => !mixed.has(record.id)),
    alone: items.filter((item) => mixed.has(keyOf(item).id)),
  };
}
