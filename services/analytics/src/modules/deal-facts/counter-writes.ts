import { isDuplicateKey } from '@crm/messaging';
import type { CounterMove } from './contributions';
import { CounterModel } from './counter.model';

/*
 * Counter moves, each applied once (its token), written together when they meet: while one write
 * of a counters document is in flight, the moves that reach the same document wait and then go as
 * one update (group commit). The deals of a pipeline all move its all-time and monthly counters,
 * so with several deals handled at once most moves share a write. The combined update applies
 * every token or none (its filter requires them all absent); when one was applied before (a
 * redelivery after a crash), the group falls back to one write per move, which skips that one.
 *
 * Tokens go, but a stalled writer cannot count a move twice. A token is all that tells a repeat
 * from a first time, and it is removed once its fact is confirmed. A writer that stalled (a GC or
 * VM pause, a process frozen past its consumer session) after making or reading a claim, while
 * another writer finished it, would find the token gone and apply the move again. So each claim
 * carries a stamp (`pending.at` of the fact, ms of `counterClock`), and:
 * - a confirmed move's token is removed only once its stamp is older than the grace period G
 *   (`DEAL_COUNTER_GRACE_MS`), with the document's next write as before, and that write raises
 *   the document's `fence` to the stamp ($max);
 * - every move is written with a filter that requires its token absent *and* the fence below its
 *   stamp. Once the token is gone, the fence refuses every writer of that claim, however long it
 *   stalled and whatever its clock: the confirmation that let the token go was the one of the
 *   claim's latest stamp (a claim's stamps only grow, each change a compare-and-set while it is
 *   pending, and only the confirmation that matched the latest forgets the tokens), so the fence
 *   is at least every stamp any writer of that claim holds;
 * - right before each write, a move whose stamp is older than G/2 is given up (`StaleMoveError`,
 *   no write): its claim would soon meet fences. A move that found neither its token nor room
 *   above the fence fails the same way. Either way the fact is read again (deal-fact.projection.ts):
 *   a claim still pending takes a new stamp before its moves are applied again, each where its
 *   token is absent (the tokens of a claim not confirmed are never removed, so an absent token is a
 *   move never applied); a confirmed one needs nothing.
 * So G spares legitimate moves a refusal (a claim's moves land within G/2, as a rule in
 * milliseconds) and bounds how long the tokens stay: a document holds those of its last G of moves.
 */

/** The clock of claim stamps and of the grace period. A test seam: only tests replace `now`. */
export const counterClock = { now: (): number => Date.now() };

let graceMs = 10_000;
/** The grace period G (`DEAL_COUNTER_GRACE_MS`, set at start). */
export const counterGrace = () => graceMs;
export function setCounterGrace(ms: number): void {
  if (!(ms > 0)) throw new Error('the counter grace period must be positive');
  graceMs = ms;
}

/** A move not written: its claim is older than G/2, or a fence is at or above its stamp. `above`: a stamp that clears the fence met (0: none met). */
export class StaleMoveError extends Error {
  constructor(
    readonly token: string,
    readonly above: number,
  ) {
    super(`counter move ${token}: its claim is stale, read the fact again`);
  }
}

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

/** The grace rule, right before a write: a move whose claim is older than G/2 is not written. */
const tooOld = (entry: Waiting) => counterClock.now() - entry.stamp > graceMs / 2;

async function writeGroup(group: Waiting[]): Promise<void> {
  // One token is one move: a repeat of it in the group (the same event twice) is written once.
  const byToken = new Map<string, Waiting[]>();
  for (const entry of group) byToken.set(entry.token, [...(byToken.get(entry.token) ?? []), entry]);
  const settle = (token: string, error?: unknown) => byToken.get(token)!.forEach((entry) => entry.done(error));
  const moves: Waiting[] = [];
  for (const [token, entries] of byToken) {
    // The same claim under two stamps (re-stamped meanwhile): the latest.
    const latest = entries.reduce((a, b) => (b.stamp > a.stamp ? b : a));
    if (tooOld(latest)) settle(token, new StaleMoveError(token, 0));
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
  if (tooOld(entry)) throw new StaleMoveError(entry.token, 0);
  try {
    await writeCounter([entry], true);
    return;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  // The filter excluded the document (the upsert tried to insert it): the token is there (applied
  // before), the fence refused the move, or two first moves raced to insert it. Once more as a
  // plain update, which matches only the latter; else the document tells which.
  if (tooOld(entry)) throw new StaleMoveError(entry.token, 0);
  if (await writeCounter([entry], false)) return;
  const doc = await CounterModel.findOne({ _id: entry.move.id, tenantId: entry.tenantId }, { [`applied.${entry.token}`]: 1, fence: 1 }).lean<{ applied?: Record<string, unknown>; fence?: number }>();
  if (doc?.applied?.[entry.token]) return; // applied before
  throw new StaleMoveError(entry.token, typeof doc?.fence === 'number' ? doc.fence + 1 : 0);
}

/**
 * One update for moves of one document: every token absent and the fence below every stamp in
 * its filter, the tokens set in the same write, and the confirmed tokens past the grace period
 * removed with it (the fence raised to their stamps). True when it matched or inserted.
 */
async function writeCounter(moves: readonly Waiting[], upsert: boolean): Promise<boolean> {
  const { tenantId, move } = moves[0]!;
  const inc: Record<string, number> = {};
  for (const entry of moves) for (const [path, amount] of Object.entries(entry.move.inc)) inc[`c.${path}`] = (inc[`c.${path}`] ?? 0) + amount;
  const forgotten = takeConfirmed(move.id, new Set(moves.map((entry) => entry.token)));
  const filter = {
    _id: move.id,
    tenantId,
    // Missing (nothing removed here yet) or below: no token of a claim this old was removed here.
    fence: { $not: { $gte: Math.min(...moves.map((entry) => entry.stamp)) } },
    ...Object.fromEntries(moves.map((entry) => [`applied.${entry.token}`, { $exists: false }])),
  };
  const update = {
    $inc: inc,
    $set: Object.fromEntries(moves.map((entry) => [`applied.${entry.token}`, true])),
    $setOnInsert: { ...move.key },
    ...(forgotten && { $unset: Object.fromEntries(forgotten.map(({ token }) => [`applied.${token}`, ''] as const)), $max: { fence: Math.max(...forgotten.map(({ stamp }) => stamp)) } }),
  };
  let written: { matchedCount: number; upsertedCount: number };
  try {
    written = await CounterModel.updateOne(filter, update, { upsert });
  } catch (error) {
    putBack(move.id, forgotten);
    throw error;
  }
  const wrote = written.matchedCount + written.upsertedCount > 0;
  if (!wrote) putBack(move.id, forgotten);
  return wrote;
}

interface Confirmed {
  token: string;
  /** The stamp its claim was confirmed under. */
  stamp: number;
}

/**
 * Tokens of confirmed moves, per counters document, in the order confirmed, that this process's
 * writes of that document remove ($unset beside its $inc) once their stamp is older than G. One a
 * restart leaves behind is harmless: token ids never repeat. Past `MAX_WAITING_COUNTERS` documents
 * a token is removed at once (a write of its own, the fence raised with it: safe, but a move of an
 * older claim still on its way there is then refused and goes again under a new stamp).
 */
const confirmedTokens = new Map<string, Confirmed[]>();
const MAX_WAITING_COUNTERS = 20_000;
/** At most this many tokens removed by one write (the rest by the next). */
const MAX_UNSET = 1_000;

/** Remembers a confirmed move's token for the document's writes; false: remove it now. */
function forgetLater(counterId: string, confirmed: Confirmed): boolean {
  const tokens = confirmedTokens.get(counterId);
  if (tokens) tokens.push(confirmed);
  else if (confirmedTokens.size < MAX_WAITING_COUNTERS) confirmedTokens.set(counterId, [confirmed]);
  else return false;
  return true;
}

/**
 * A confirmed fact's token on the documents its move touched, confirmed under `stamp` (its claim's
 * latest: the caller's confirmation matched it): removed past the grace period, or now.
 */
export async function forgetToken(tenantId: string, moves: readonly CounterMove[], token: string, stamp: number): Promise<void> {
  const now = moves.filter((move) => !forgetLater(move.id, { token, stamp }));
  await Promise.all(now.map((move) => CounterModel.updateOne({ _id: move.id, tenantId }, { $unset: { [`applied.${token}`]: '' }, $max: { fence: stamp } })));
}

/** The document's confirmed tokens past the grace period, oldest first, up to the first that is not (and but those `own` sets). */
function takeConfirmed(counterId: string, own: ReadonlySet<string>): Confirmed[] | null {
  const tokens = confirmedTokens.get(counterId);
  if (!tokens) return null;
  const before = counterClock.now() - graceMs;
  const taken: Confirmed[] = [];
  const kept: Confirmed[] = [];
  let at = 0;
  for (; at < tokens.length && taken.length < MAX_UNSET && tokens[at]!.stamp < before; at += 1) (own.has(tokens[at]!.token) ? kept : taken).push(tokens[at]!);
  if (taken.length === 0) return null;
  const rest = [...kept, ...tokens.slice(at)];
  if (rest.length > 0) confirmedTokens.set(counterId, rest);
  else confirmedTokens.delete(counterId);
  return taken;
}

/** Tokens a write did not remove after all: the next write takes them. */
function putBack(counterId: string, forgotten: Confirmed[] | null): void {
  if (forgotten) confirmedTokens.set(counterId, [...forgotten, ...(confirmedTokens.get(counterId) ?? [])]);
}
