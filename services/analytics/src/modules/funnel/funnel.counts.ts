/**
 * Pure rules of the incremental funnel: how a deal's fact moves the pipeline's counters.
 * No I/O here, so the rules are unit-tested on their own (funnel.projection.ts does the writes).
 *
 * The counters are a histogram: `counts.p<n>` = how many deals have position n as their
 * furthest. A deal moving its furthest from `from` to `to` takes one from p<from> and adds
 * one to p<to>; computeFunnel turns the histogram into the stages' `reached`.
 */
import type { PositionCount } from './funnel.math';

/** A move of one deal's count: from where the counters hold it (null: not counted yet) to its new furthest position. */
export interface CountMove {
  from: number | null;
  to: number;
}

/** The counter field of a position (field names stay strings: `p3`, never an array index). */
export const counterField = (position: number) => `p${position}`;

/** The $inc of one claimed move, as paths under `counts`. */
export function incrementsOf(move: CountMove): Record<string, number> {
  const inc: Record<string, number> = { [`counts.${counterField(move.to)}`]: 1 };
  if (move.from !== null) inc[`counts.${counterField(move.from)}`] = -1;
  return inc;
}

/**
 * The key under which a move is recorded as applied on the counters document (a field of
 * `applied`). A deal's successive moves have strictly rising `to`, so (deal, to) names one
 * move for ever. Characters a field name may not hold (`.`, `$`) are escaped.
 */
export const moveToken = (dealId: string, move: CountMove) =>
  `${dealId}>${move.to}`.replace(/[.$%]/g, (char) => `%${char.charCodeAt(0).toString(16)}`);

/** What a fact needs next: apply its claimed move, claim a new one, or nothing. */
export type NextStep = { kind: 'apply'; move: CountMove } | { kind: 'claim'; move: CountMove } | { kind: 'settled' };

export function nextStep(fact: { maxPosition: number; counted?: number | null; pendingTo?: number | null }): NextStep {
  const counted = fact.counted ?? null;
  // While a move is claimed, `counted` stays where the counters held the deal before it.
  if (fact.pendingTo !== null && fact.pendingTo !== undefined) return { kind: 'apply', move: { from: counted, to: fact.pendingTo } };
  if (counted === fact.maxPosition) return { kind: 'settled' };
  // counted only ever takes values maxPosition had, and maxPosition only rises: counted < maxPosition.
  return { kind: 'claim', move: { from: counted, to: fact.maxPosition } };
}

/** The histogram as computeFunnel takes it; empty positions (moved away from) are left out. */
export function positionCounts(counts: Record<string, number> | null | undefined): PositionCount[] {
  return Object.entries(counts ?? {})
    .filter(([field, deals]) => /^p\d+$/.test(field) && deals !== 0)
    .map(([field, deals]) => ({ position: Number(field.slice(1)), deals }))
    .sort((a, b) => a.position - b.position);
}
