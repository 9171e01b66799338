/**
 * Pure rules of deals (no I/O, unit-tested on their own): amounts from line items, which
 * moves a status allows, what leaving a stage leaves undone.
 */
import type { StageKind } from '../pipeline/pipeline.model';
import type { DealStatus } from './deal.model';

type LineItem = { quantity: number; unitPrice: number; discountPercent: number };

/**
 * A number as the exact decimal it was written as: digits × 10^-scale. Binary floats are not
 * exact (10 × 19.99 × 0.85 gives 169.91499999999996, not 169.915), so money is reckoned on these.
 * `String` writes very large and very small numbers with an exponent (1e21, 1e-7).
 */
function decimal(value: number): { digits: bigint; scale: number } {
  const [mantissa = '0', exponent = '0'] = String(value).split('e');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  const scale = fraction.length - Number(exponent);
  const digits = BigInt(whole + fraction);
  return scale >= 0 ? { digits, scale } : { digits: digits * 10n ** BigInt(-scale), scale: 0 };
}

/** quantity × unitPrice × (1 − discount/100) in whole cents, rounded half up. */
function lineCents(item: LineItem): bigint {
  const quantity = decimal(item.quantity);
  const price = decimal(item.unitPrice);
  const discount = decimal(item.discountPercent);
  // In cents the ×100 and the /100 of the discount cancel: quantity × price × (100 − discount).
  const kept = 100n * 10n ** BigInt(discount.scale) - discount.digits;
  const unit = 10n ** BigInt(quantity.scale + price.scale + discount.scale);
  return (2n * quantity.digits * price.digits * kept + unit) / (2n * unit);
}

export const lineTotal = (item: LineItem) => Number(lineCents(item)) / 100;

/** The sum of the line totals as rounded (what the lines show adds up to the amount). */
export const amountOf = (items: readonly LineItem[]) => Number(items.reduce((sum, item) => sum + lineCents(item), 0n)) / 100;

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

type GuidedStage = {
  _id: { toString(): string };
  name: string;
  position: number;
  kind?: StageKind;
  archived?: boolean;
  deleted?: boolean;
  result?: string | null;
  keySteps?: { _id: { toString(): string }; title: string }[];
};

/** What is undone in one stage of a move's way (its key step titles and "result"). */
export interface Undone {
  stageId: string;
  name: string;
  missing: string[];
}

/**
 * What a forward move from `from` to `to` leaves undone: in `from`, then in every stage it passes
 * over (skipping one is no way around its checklist), in order. A stage no deal can be in is not
 * on the way: deleted, archived (entered by none), or LOST (entering it loses the deal). Empty for
 * a move that is not guided.
 */
export function undoneOnTheWay(
  stages: readonly GuidedStage[],
  from: GuidedStage,
  to: { position: number; kind?: StageKind },
  done: Record<string, unknown> | undefined,
  results: Record<string, unknown> | undefined,
): Undone[] {
  if (!isGuidedMove(from, to)) return [];
  const passed = stages
    .filter((stage) => !stage.deleted && !stage.archived && (stage.kind ?? 'OPEN') !== 'LOST' && stage.position > from.position && stage.position < to.position)
    .sort((a, b) => a.position - b.position);
  return [from, ...passed]
    .map((stage) => ({ stageId: stage._id.toString(), name: stage.name, missing: undoneOnLeaving(stage, done, results) }))
    .filter((undone) => undone.missing.length > 0);
}

/** DealStageChanged carries at most this many skipped items. */
export const MAX_SKIPPED = 51;

/**
 * The undone items as one list (the error's `missing`, the history's and the event's `skipped`):
 * the stage left's as they are, a passed-over stage's after its name ("Offer: result"). A list
 * longer than the event takes ends with how many more there are.
 */
export function skippedItems(undone: readonly Undone[], fromId: string): string[] {
  const items = undone.flatMap(({ stageId, name, missing }) => (stageId === fromId ? missing : missing.map((item) => `${name}: ${item}`)));
  return items.length <= MAX_SKIPPED ? items : [...items.slice(0, MAX_SKIPPED - 1), `and ${items.length - MAX_SKIPPED + 1} more`];
}

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
