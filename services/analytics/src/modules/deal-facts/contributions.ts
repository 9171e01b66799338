/**
 * Pure rules: what one deal fact adds to the counters, and the move between two versions of it.
 * A fact's contributions are recomputed whole on every change; the difference with what the
 * counters hold for it (`counted`) is what moves. No I/O here.
 */
import type { CounterKey } from './counter.model';
import { counterId } from './counter.model';

export interface Contribution {
  key: CounterKey;
  /** Path under `c` -> amount added. */
  inc: Record<string, number>;
}

/** A contribution as a fact stores it: field names may not hold '.' (nor FerretDB nested arrays), so each path is a value. */
export interface StoredContribution {
  key: CounterKey;
  inc: { path: string; by: number }[];
}

export const storeContributions = (contributions: readonly Contribution[]): StoredContribution[] =>
  contributions.map(({ key, inc }) => ({ key, inc: Object.entries(inc).map(([path, by]) => ({ path, by })) }));
export const loadContributions = (stored: readonly StoredContribution[]): Contribution[] =>
  stored.map(({ key, inc }) => ({ key, inc: Object.fromEntries(inc.map(({ path, by }) => [path, by])) }));

/** One counters document's share of a move. */
export interface CounterMove {
  id: string;
  key: CounterKey;
  inc: Record<string, number>;
}

/** YYYY-MM of a date, in UTC. */
export const monthOf = (date: Date) => date.toISOString().slice(0, 7);

/** Field names may not hold '.' or '$' nor start with '$': such characters are escaped. */
export const fieldKey = (value: string) => value.replace(/[.$%]/g, (char) => `%${char.charCodeAt(0).toString(16)}`);
export const unFieldKey = (value: string) => value.replace(/%([0-9a-f]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** The increments that take the counters from `before` to `after`, per document, zeros left out. */
export function movesBetween(tenantId: string, before: readonly Contribution[], after: readonly Contribution[]): CounterMove[] {
  const byId = new Map<string, CounterMove>();
  const add = (contribution: Contribution, sign: 1 | -1) => {
    const id = counterId(tenantId, contribution.key);
    const move = byId.get(id) ?? { id, key: contribution.key, inc: {} };
    for (const [path, amount] of Object.entries(contribution.inc)) move.inc[path] = (move.inc[path] ?? 0) + sign * amount;
    byId.set(id, move);
  };
  for (const contribution of before) add(contribution, -1);
  for (const contribution of after) add(contribution, 1);
  return [...byId.values()]
    .map((move) => ({ ...move, inc: Object.fromEntries(Object.entries(move.inc).filter(([, amount]) => amount !== 0)) }))
    .filter((move) => Object.keys(move.inc).length > 0);
}
