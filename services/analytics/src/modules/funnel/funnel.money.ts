/** Pure: the money side of a funnel from counters (`m.p<position>.<currency>`). No I/O. */
import type { PositionCount } from './funnel.math';

/** Per position, amounts per currency. */
export type MoneyByPosition = Map<number, Record<string, number>>;

/** Adds one counters document's `n` and `m` into running totals. */
export function addFunnelCounters(counts: Map<number, number>, money: MoneyByPosition, c: Record<string, unknown> | undefined): void {
  for (const [field, deals] of Object.entries((c?.n ?? {}) as Record<string, number>)) {
    if (!/^p\d+$/.test(field)) continue;
    const position = Number(field.slice(1));
    counts.set(position, (counts.get(position) ?? 0) + deals);
  }
  for (const [field, amounts] of Object.entries((c?.m ?? {}) as Record<string, Record<string, number>>)) {
    if (!/^p\d+$/.test(field)) continue;
    const position = Number(field.slice(1));
    const into = money.get(position) ?? {};
    for (const [currency, amount] of Object.entries(amounts)) into[currency] = (into[currency] ?? 0) + amount;
    money.set(position, into);
  }
}

export const histogram = (counts: Map<number, number>): PositionCount[] =>
  [...counts].filter(([, deals]) => deals !== 0).map(([position, deals]) => ({ position, deals })).sort((a, b) => a.position - b.position);

/** The money of the deals that reached a stage: theirs whose furthest position is at or after it (skips count as passed). */
export function reachedMoney(money: MoneyByPosition, position: number): Record<string, number> {
  const total: Record<string, number> = {};
  for (const [at, amounts] of money) {
    if (at < position) continue;
    for (const [currency, amount] of Object.entries(amounts)) total[currency] = (total[currency] ?? 0) + amount;
  }
  return total;
}
