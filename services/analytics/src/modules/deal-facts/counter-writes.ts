import { isDuplicateKey } from '@crm/messaging';
import type { CounterMove } from './contributions';
import { ConfirmedTokens, fenceBelow, refusalOf, removalOf, StaleMoveError, tooOld, type RemovalWrite } from './counter-fence';
import { CounterModel } from './counter.model';
import { groupedUpserts } from './grouped-upserts';

/*
 * Counter moves, each applied once (its token), written together when they meet: while one write
 * of a counters document is in flight, the moves that reach the same document wait and then go as
 * one update (group commit). The deals of a pipeline all move its all-time and monthly counters,
 * so with several deals handled at once most moves share a write. The combined update applies
 * every token or none (its filter requires them all absent); when one was applied before (a
 * redelivery after a crash), the group falls back to one write per move, which skips that one.
 *
 * Tokens go, but a stalled writer cannot count a move twice: each claim carries a stamp
 * (`pending.at` of the fact), and the rules of counter-fence.ts hold here:
 * - a confirmed move's token is removed only once its stamp is older than the grace period G
 *   (`DEAL_COUNTER_GRACE_MS`), with the document's next write as before, and that write raises
 *   the document's `fence` to the stamp ($max);
 * - every move is written with a filter that requires its token absent *and* the fence below its
 *   stamp, so once the token is gone the fence refuses every writer of that claim;
 * - right before each write, a move whose stamp is older than G/2 is given up (`StaleMoveError`,
 *   no write). A move that found neither its token nor room above the fence fails the same way.
 *   Either way the fact is read again (deal-fact.projection.ts): a claim still pending takes a new
 *   stamp before its moves are applied again, each where its token is absent; a confirmed one
 *   needs nothing.
 */

interface Waiting {
  tenantId: string;
  move: CounterMove;
  token: string;
  /** The claim's stamp (`pending.at`). */
  stamp: number;
  done: (error?: unknown) => void;
}

export interface StampedMove {
  tenantId: string;
  move: CounterMove;
  token: string;
  stamp: number;
}

/** Moves per document waiting for its write in flight; a document is in the map while one is. */
const waiting = new Map<string, Waiting[]>();
/** At most this many moves in one update (its filter names each token). */
const MAX_GROUP = 32;

/**
 * Applies each document's share of a move once (a batch's deals at once): the given moves of one
 * document start as one group, so a document that many of them touch takes one write per
 * MAX_GROUP moves; moves that reach a document while its write is in flight wait and go together.
 * One outcome per move, in order: a `StaleMoveError` for a move not written (see the top).
 */
export function moveEach(moves: readonly StampedMove[]): Promise<void>[] {
  const byDocument = new Map<string, Waiting[]>();
  const done = moves.map(
    ({ tenantId, move, token, stamp }) =>
      new Promise<void>((resolve, reject) => {
        const entry: Waiting = { tenantId, move, token, stamp, done: (error) => (error === undefined ? resolve() : reject(error)) };
        const group = byDocument.get(move.id);
        if (group) group.push(entry);
        else byDocument.set(move.id, [entry]);
      }),
  );
  for (const [id, entries] of byDocument) {
    const queue = waiting.get(id);
    if (queue) queue.push(...entries);
    else {
      waiting.set(id, entries.slice(MAX_GROUP));
      void writeFrom(id, entries.slice(0, MAX_GROUP));
    }
  }
  return done;
}

/** moveEach, as one outcome. */
export const applyMoves = (moves: readonly StampedMove[]): Promise<void> => Promise.all(moveEach(moves)).then(() => undefined);

/** Writes `group`, then whatever queued for the document meanwhile, until nothing waits. */
async function writeFrom(id: string, group: Waiting[]): Promise<void> {
  for (let next = group; next.length > 0; ) {
    try {
      await writeGroup(next);
    } catch (error) {
      // Settles those not settled yet (a settled promise stays as it is).
      for (const entry of next) entry.done(error ?? new Error('counter write failed'));
    }
    const queue = waiting.get(id)!;
    next = queue.splice(0, MAX_GROUP);
    if (next.length === 0) waiting.delete(id);
  }
}

async function writeGroup(group: Waiting[]): Promise<void> {
  // One token is one move: a repeat of it in the group (the same event twice) is written once.
  const byToken = new Map<string, Waiting[]>();
  for (const entry of group) byToken.set(entry.token, [...(byToken.get(entry.token) ?? []), entry]);
  const settle = (token: string, error?: unknown) => byToken.get(token)!.forEach((entry) => entry.done(error));
  const moves: Waiting[] = [];
  for (const [token, entries] of byToken) {
    // The same claim under two stamps (re-stamped meanwhile): the latest.
    const latest = entries.reduce((a, b) => (b.stamp > a.stamp ? b : a));
    if (tooOld(latest.stamp)) settle(token, new StaleMoveError(token, 0));
    else moves.push(latest);
  }
  if (moves.length > 1) {
    try {
      await writeCounter(moves, true);
      for (const entry of moves) settle(entry.token);
      return;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // A token of the group was applied before, a fence refused one, or a first write raced to insert the document.
    }
  }
  for (const entry of moves) {
    await writeOne(entry).then(
      () => settle(entry.token),
      (error: unknown) => settle(entry.token, error),
    );
  }
}

async function writeOne(entry: Waiting): Promise<void> {
  if (tooOld(entry.stamp)) throw new StaleMoveError(entry.token, 0);
  try {
    await writeCounter([entry], true);
    return;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  // The filter excluded the document (the upsert tried to insert it): the token is there (applied
  // before), the fence refused the move, or two first moves raced to insert it. Once more as a
  // plain update, which matches only the latter; else the document tells which.
  if (tooOld(entry.stamp)) throw new StaleMoveError(entry.token, 0);
  if (await writeCounter([entry], false)) return;
  const doc = await CounterModel.findOne({ _id: entry.move.id, tenantId: entry.tenantId }, { [`applied.${entry.token}`]: 1, fence: 1 }).lean<{ applied?: Record<string, unknown>; fence?: number }>();
  const refused = refusalOf(entry.token, doc);
  if (refused) throw refused;
}

/**
 * One update for moves of one document: every token absent and the fence below every stamp in
 * its filter, the tokens set in the same write, and the confirmed tokens past the grace period
 * removed with it (the fence raised to their stamps). True when it matched or inserted.
 */
function writeCounter(moves: readonly Waiting[], upsert: boolean): Promise<boolean> {
  const { tenantId, move } = moves[0]!;
  const inc: Record<string, number> = {};
  for (const entry of moves) for (const [path, amount] of Object.entries(entry.move.inc)) inc[`c.${path}`] = (inc[`c.${path}`] ?? 0) + amount;
  const filter = {
    _id: move.id,
    tenantId,
    ...fenceBelow(moves.map((entry) => entry.stamp)),
    ...Object.fromEntries(moves.map((entry) => [`applied.${entry.token}`, { $exists: false }])),
  };
  return confirmedTokens.writeWith(move.id, new Set(moves.map((entry) => entry.token)), async (removal) => {
    const update = {
      $inc: inc,
      $set: Object.fromEntries(moves.map((entry) => [`applied.${entry.token}`, true])),
      $setOnInsert: { ...move.key },
      ...removal,
    };
    if (upsert) {
      await upsertCounter(filter, update);
      return true; // matched or inserted: an excluding filter fails as a duplicate key
    }
    const written = await CounterModel.updateOne(filter, update);
    return written.matchedCount > 0;
  });
}

/** The upserts of counters that start together go as one command (grouped-upserts.ts). */
const upsertCounter = groupedUpserts(CounterModel.collection);

/** Tokens of confirmed moves per counters document, removed by this process's later writes of it (counter-fence.ts). */
const confirmedTokens = new ConfirmedTokens();
const removeTokens: RemovalWrite = (_id, tenantId, removal) => CounterModel.updateOne({ _id, tenantId }, removal);

/** The confirmed tokens past the grace period of counters without a move for `idleMs`, removed (counter-fence.ts, sweep). */
export const sweepCounterTokens = (idleMs: number, limit: number) => confirmedTokens.sweep(idleMs, limit, removeTokens);

/**
 * A confirmed fact's token on the documents its move touched, confirmed under `stamp` (its claim's
 * latest: the caller's confirmation matched it): removed past the grace period, or now.
 */
export async function forgetToken(tenantId: string, moves: readonly CounterMove[], token: string, stamp: number): Promise<void> {
  const now = moves.filter((move) => !confirmedTokens.remember(move.id, tenantId, { token, stamp }));
  await Promise.all(now.map((move) => removeTokens(move.id, tenantId, removalOf([{ token, stamp }]))));
}
