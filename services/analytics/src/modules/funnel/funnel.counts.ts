/**
 * Pure rules of the incremental funnel: how a deal's fact moves the pipeline's counters.
 * No I/O here, so the rules are unit-tested on their own (funnel.projection.ts does the writes).
 *
 * The counters are a histogram: `counts.p<n>` = how many deals have position n as their
 * furthest. A deal moving its furthest from `from` to `to` takes one from p<from> and adds
 * one to p<to>; computeFunnel turns the histogram into the stages' `reached`.
 */
import type { PendingCount } from './deal-progress.model';
import type { PositionCount } from './funnel.math';

/** The counter field of a position (field names stay strings: `p3`, never an array index). */
export const counterField = (position: number) => `p${position}`;

/** The $inc of one claimed move, as paths under `counts`. */
export function incrementsOf(move: PendingCount): Record<string, number> {
  const inc: Record<string, number> = { [`counts.${counterField(move.to)}`]: 1 };
  if (move.from !== null) inc[`counts.${counterField(move.from)}`] = -1;
  return inc;
}

/**
 * The key under which a move is recorded as applied on the counters document. A deal's
 * successive moves have strictly rising `to`, so (deal, to) names one move for ever.
 */
export const moveToken = (dealId: string, move: PendingCount) => `${dealId}>${move.to}`;

/** What a fact needs next: apply its claimed move, claim a new one, or nothing. */
export type NextStep = { kind: 'apply'; move: PendingCount } | { kind: 'claim'; move: PendingCount } | { kind: 'settled' };

export function nextStep(fact: { maxPosition: number; counted?: number | null; pending?: PendingCount | null }): NextStep {
  if (fact.pending) return { kind: 'apply', move: { from: fact.pending.from ?? null, to: fact.pending.to } };
  const counted = fact.counted ?? null;
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
