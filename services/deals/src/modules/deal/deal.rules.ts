/**
 * Pure rules of deals (no I/O, unit-tested on their own): amounts from line items, which
 * moves a status allows, what leaving a stage leaves undone.
 */
import type { StageKind } from '../pipeline/pipeline.model';
import type { DealStatus } from './deal.model';

const cents = (value: number) => Math.round(value * 100) / 100;

export const lineTotal = (item: { quantity: number; unitPrice: number; discountPercent: number }) =>
  cents(item.quantity * item.unitPrice * (1 - item.discountPercent / 100));

export const amountOf = (items: readonly { quantity: number; unitPrice: number; discountPercent: number }[]) =>
  cents(items.reduce((sum, item) => sum + lineTotal(item), 0));

/** What a move into a stage of `kind` does to a deal of `status`, or why it is refused. */
export type MoveOutcome =
  | { ok: true; status: DealStatus; closes: boolean; wins: boolean; loses: boolean }
  | { ok: false; code: 'CONFLICT' | 'FAILED_PRECONDITION'; message: string };

export function moveOutcome(status: DealStatus, kind: StageKind): MoveOutcome {
  if (status === 'LOST') return { ok: false, code: 'CONFLICT', message: 'the deal is lost; reopen it (reopenDeal) to move it again' };
  if (status === 'WON') {
    // After the win the deal goes on through delivery and care: it stays WON, the win counts once.
    if (kind === 'POST_SALE' || kind === 'WON') return { ok: true, status: 'WON', closes: false, wins: false, loses: false };
    return { ok: false, code: 'CONFLICT', message: 'the deal is won; it moves only through post-sale stages (reopenDeal opens it again)' };
  }
  switch (kind) {
    case 'OPEN':
      return { ok: true, status: 'OPEN', closes: false, wins: false, loses: false };
    case 'WON':
      return { ok: true, status: 'WON', closes: true, wins: true, loses: false };
    case 'LOST':
      return { ok: true, status: 'LOST', closes: true, wins: false, loses: true };
    case 'POST_SALE':
      return { ok: false, code: 'FAILED_PRECONDITION', message: 'post-sale stages follow the win: move the deal to the WON stage first' };
  }
}

/**
 * What leaving `stage` forwards leaves undone: the titles of its key steps not ticked on the
 * deal, and "result" when the stage names a result to obtain and none is recorded.
 */
export function undoneOnLeaving(
  stage: { _id: { toString(): string }; result?: string | null; keySteps?: { _id: { toString(): string }; title: string }[] },
  done: Record<string, unknown> | undefined,
  results: Record<string, unknown> | undefined,
): string[] {
  const missing = (stage.keySteps ?? []).filter((step) => !done?.[step._id.toString()]).map((step) => step.title);
  if (stage.result && !results?.[stage._id.toString()]) missing.push('result');
  return missing;
}

/** Guided selling applies to moves forward into a stage that is not LOST: going back or losing completes nothing. */
export const isGuidedMove = (from: { position: number }, to: { position: number; kind?: StageKind }) =>
  to.position > from.position && (to.kind ?? 'OPEN') !== 'LOST';

/** Seconds between two instants, never negative (clocks of replicas may differ a little). */
export const secondsBetween = (from: Date | undefined, to: Date) => (from ? Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000)) : null);

/** JSON with object keys sorted: the same custom fields in another order are no change. */
const canonical = (value: unknown): string =>
  JSON.stringify(value ?? null, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner) && !(inner instanceof Date)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );

/** The field changes of an update: only fields whose JSON value differs. */
export function fieldChanges(before: Record<string, unknown>, after: Record<string, unknown>): { field: string; from: unknown; to: unknown }[] {
  return Object.keys(after)
    .filter((field) => canonical(before[field]) !== canonical(after[field]))
    .map((field) => ({ field, from: before[field] ?? null, to: after[field] ?? null }));
}
