/** Helpers to compare read models: what they count, not how they got there. */

export type Doc = Record<string, unknown>;

/** Counters with their zeros left out and float dust rounded: what they count, not how they got there. */
export function countersOnly(value: unknown): unknown {
  if (typeof value === 'number') return Math.round(value * 1e6) / 1e6;
  if (!value || typeof value !== 'object' || value instanceof Date || Array.isArray(value)) return value;
  const kept = Object.entries(value as Doc)
    .map(([key, inner]) => [key, countersOnly(inner)] as const)
    .filter(([, inner]) => inner !== 0 && !(inner && typeof inner === 'object' && !(inner instanceof Date) && Object.keys(inner).length === 0));
  return Object.fromEntries(kept);
}

export const without = (doc: Doc, ...fields: string[]) => Object.fromEntries(Object.entries(doc).filter(([key]) => !fields.includes(key)));
