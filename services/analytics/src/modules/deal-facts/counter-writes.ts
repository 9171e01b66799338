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
 */

interface Waiting {
  tenantId: string;
  move: CounterMove;
  token: string;
  done: (error?: unknown) => void;
}

/** Moves per document waiting for its write in flight; a document is in the map while one is. */
const waiting = new Map<string, Waiting[]>();
/** At most this many moves in one update (its filter names each token). */
const MAX_GROUP = 32;

/**
 * Applies each document's share of a move once (a batch's deals at once): the given moves of one
 * document start as one group, so a document that many of them touch takes one write per
 * MAX_GROUP moves; moves that reach a document while its write is in flight wait and go together.
 */
export function applyMoves(moves: readonly { tenantId: string; move: CounterMove; token: string }[]): Promise<void> {
  const byDocument = new Map<string, Waiting[]>();
  const done = moves.map(
    ({ tenantId, move, token }) =>
      new Promise<void>((resolve, reject) => {
        const entry: Waiting = { tenantId, move, token, done: (error) => (error === undefined ? resolve() : reject(error)) };
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
  return Promise.all(done).then(() => undefined);
}

/** Writes `group`, then whatever queued for the document meanwhile, until nothing waits. */
async function writeFrom(id: string, group: Waiting[]): Promise<void> {
  for (let next = group; next.length > 0; ) {
    try {
      await writeGroup(next);
      for (const entry of next) entry.done();
    } catch (error) {
      for (const entry of next) entry.done(error ?? new Error('counter write failed'));
    }
    const queue = waiting.get(id)!;
    next = queue.splice(0, MAX_GROUP);
    if (next.length === 0) waiting.delete(id);
  }
}

/** One update for moves of one document: every token absent in its filter, set in the same write. */
function updateFor(moves: Waiting[]) {
  const { tenantId, move } = moves[0]!;
  const inc: Record<string, number> = {};
  for (const entry of moves) for (const [path, amount] of Object.entries(entry.move.inc)) inc[`c.${path}`] = (inc[`c.${path}`] ?? 0) + amount;
  return {
    filter: { _id: move.id, tenantId, ...Object.fromEntries(moves.map((entry) => [`applied.${entry.token}`, { $exists: false }])) },
    update: { $inc: inc, $set: Object.fromEntries(moves.map((entry) => [`applied.${entry.token}`, true])), $setOnInsert: { ...move.key }, ...unsetConfirmed(move.id) },
  };
}

async function writeGroup(group: Waiting[]): Promise<void> {
  // One token is one move: a repeat of it in the group (the same event twice) is written once.
  const moves = [...new Map(group.map((entry) => [entry.token, entry] as const)).values()];
  if (moves.length === 1) return writeOne(moves[0]!);
  const { filter, update } = updateFor(moves);
  try {
    await CounterModel.updateOne(filter, update, { upsert: true });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // A token of the group was applied before, or a first write raced to insert the document.
    for (const entry of moves) await writeOne(entry);
  }
}

async function writeOne(entry: Waiting): Promise<void> {
  const { filter, update } = updateFor([entry]);
  try {
    await CounterModel.updateOne(filter, update, { upsert: true });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // Applied before (the filter excluded the document, the upsert tried to insert it), or two
    // first moves raced to insert it: once more as a plain update, which matches only the latter.
    await CounterModel.updateOne(filter, update);
  }
}

/**
 * Tokens of confirmed moves, per counters document, that this process's next write of that
 * document removes ($unset beside its $inc). One a restart leaves behind is harmless: token ids
 * never repeat. Past `MAX_WAITING_COUNTERS` documents a token is removed at once, as it was before.
 */
const confirmedTokens = new Map<string, string[]>();
const MAX_WAITING_COUNTERS = 20_000;

/** Remembers a confirmed move's token for the document's next write; false: remove it now. */
function forgetLater(counterId: string, token: string): boolean {
  const tokens = confirmedTokens.get(counterId);
  if (tokens) tokens.push(token);
  else if (confirmedTokens.size < MAX_WAITING_COUNTERS) confirmedTokens.set(counterId, [token]);
  else return false;
  return true;
}

/** A confirmed fact's token on the documents its move touched: removed with their next write, or now. */
export async function forgetToken(tenantId: string, moves: readonly CounterMove[], token: string): Promise<void> {
  const now = moves.filter((move) => !forgetLater(move.id, token));
  await Promise.all(now.map((move) => CounterModel.updateOne({ _id: move.id, tenantId }, { $unset: { [`applied.${token}`]: '' } })));
}

function unsetConfirmed(counterId: string): { $unset?: Record<string, ''> } {
  const tokens = confirmedTokens.get(counterId);
  if (!tokens) return {};
  confirmedTokens.delete(counterId);
  return { $unset: Object.fromEntries(tokens.map((token) => [`applied.${token}`, ''] as const)) };
}
