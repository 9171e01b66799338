import { isDuplicateKey, PermanentEventError } from '@crm/messaging';
import { Schema, type Model } from 'mongoose';
import { groupedUpserts } from '../deal-facts/grouped-upserts';
import { CounterModel, counterId, type CounterRef } from './counter.model';

/*
 * Facts that move counters, exactly once under duplicates, replays, crashes and concurrent
 * consumers, with single-document writes by key only (cost per event independent of the data):
 *
 * 1. The fact (deterministic id) is written compare-and-set on its `version`, which every state
 *    change raises, with `want`: what it should add to which counters in its new state.
 * 2. When `want` differs from `counted` (what the counters hold of it), the fact claims the move:
 *    `pending = {version, contributions: want}`, only where nothing is pending.
 * 3. Each counter touched gets the difference ($inc), only where `applied.<fact>` is below the
 *    claimed version, and records that version in the same update: a repeat or a stale
 *    process's late apply of an older move matches nothing.
 * 4. The fact confirms: `counted = pending.contributions`, `pending = null`.
 * A crash anywhere leaves a state the next event of the fact (or its redelivery) completes.
 */

/** What a fact adds to one field of one counter. */
export interface Contribution {
  counter: CounterRef;
  field: string;
  value: number;
}

export interface CountedFields {
  /** Raised by every change of the fact's state. */
  version: number;
  want: Contribution[];
  counted: Contribution[];
  pending: { version: number; contributions: Contribution[] } | null;
}

/** Adds the bookkeeping fields to a fact's schema. */
export function countedFactPlugin(schema: Schema): void {
  schema.add({
    version: { type: Number, default: 0 },
    want: { type: [Schema.Types.Mixed], default: () => [] },
    counted: { type: [Schema.Types.Mixed], default: () => [] },
    pending: { type: Schema.Types.Mixed, default: null },
  });
}

export interface CounterMove {
  ref: CounterRef;
  inc: Record<string, number>;
}

/** Per counter, what moving from `from` to `to` adds (zero differences left out): pure, unit-tested. */
export function movesBetween(from: readonly Contribution[], to: readonly Contribution[]): Map<string, CounterMove> {
  const moves = new Map<string, CounterMove>();
  const add = (contribution: Contribution, sign: number) => {
    const key = counterId('', contribution.counter);
    const move = moves.get(key) ?? { ref: contribution.counter, inc: {} };
    move.inc[contribution.field] = (move.inc[contribution.field] ?? 0) + sign * contribution.value;
    moves.set(key, move);
  };
  from.forEach((contribution) => add(contribution, -1));
  to.forEach((contribution) => add(contribution, 1));
  for (const [key, move] of moves) {
    for (const [field, value] of Object.entries(move.inc)) if (Math.abs(value) < 1e-9) delete move.inc[field];
    if (Object.keys(move.inc).length === 0) moves.delete(key);
  }
  return moves;
}

/** Field names may not hold `.` or `$`: escaped, so any id can name its entry in `applied`. */
const escapeKey = (key: string) => key.replace(/[.$%]/g, (char) => `%${char.charCodeAt(0).toString(16)}`);

/** A fact's entry in the `applied` of the counters it moves. */
export const factKeyOf = (model: Model<any>, factId: string) => escapeKey(`${model.collection.collectionName}:${factId}`);

/** A fact as stored: its state and the bookkeeping. */
export type Fact<S> = S & CountedFields & { _id: string; tenantId: string };

/**
 * Rounds before giving up (the consumer then retries the event). Each round fails only because
 * another writer of the same fact made progress; one fact's events come one at a time from its
 * partition, so contention is rare: a rebalance, a replay beside the live consumer.
 */
const MAX_ROUNDS = 50;

/**
 * Changes one fact and moves its counters. `next` gets the stored fact (null when new) and
 * returns its new state, or null to change nothing (an older event, a duplicate); the counters
 * are settled either way, so a move a crash left half done is finished.
 *
 * A new fact is inserted with its first move already claimed (step 2 in the same write: nothing
 * can be pending on a record that did not exist). `likelyNew` (an event that creates the fact as
 * a rule, such as DealCreated) inserts before reading: the read is made only when the fact exists
 * (a replay, a redelivery) or the event alone makes no fact.
 */
export async function writeFact<S extends object>(
  model: Model<any>,
  tenantId: string,
  factId: string,
  next: (current: Fact<S> | null) => S | null,
  contributionsOf: (state: S) => Contribution[],
  { likelyNew = false }: { likelyNew?: boolean } = {},
): Promise<void> {
  let assumeNew = likelyNew;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const current = assumeNew ? null : await model.findOne({ _id: factId, tenantId }).lean<Fact<S>>();
    const state = next(current);
    if (state === null) {
      if (!assumeNew) {
        if (current) await settle(model, current);
        return;
      }
      // Assumed new without reading: read it, there may be a stored fact to settle.
      assumeNew = false;
      continue;
    }
    const want = contributionsOf(state);
    if (!current) {
      try {
        const pending = want.length > 0 ? { version: 1, contributions: want } : null;
        const created = await model.create({ ...state, _id: factId, tenantId, version: 1, want, counted: [], pending });
        return await settle(model, created.toObject() as Fact<S>);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // There already (a replay, a concurrent consumer), or an id of another tenant.
        if (!(await model.exists({ _id: factId, tenantId }))) throw new PermanentEventError(`${model.modelName} ${factId} belongs to another tenant`);
        assumeNew = false;
        continue;
      }
    }
    const updated = await model
      .findOneAndUpdate({ _id: factId, tenantId, version: current.version }, { $set: { ...state, want }, $inc: { version: 1 } }, { returnDocument: 'after' })
      .lean<Fact<S>>();
    if (updated) return settle(model, updated);
    // Changed meanwhile: read it again and redo the change on the newer state.
  }
  throw new Error(`${model.modelName} ${factId}: too many concurrent changes`); // retried by the consumer
}

export const sameContributions = (a: readonly Contribution[], b: readonly Contribution[]) => movesBetween(a, b).size === 0;

/** Brings the counters in line with the fact: applies a claimed move, claims the next, until settled. */
export async function settle<S>(model: Model<any>, start: Fact<S>): Promise<void> {
  let fact: Fact<S> | null = start;
  const reload = (of: Fact<S>) => model.findOne({ _id: of._id, tenantId: of.tenantId }).lean<Fact<S>>();
  for (let round = 0; fact && round < MAX_ROUNDS; round += 1) {
    if (fact.pending) {
      const { version, contributions }: NonNullable<CountedFields['pending']> = fact.pending;
      const factKey = factKeyOf(model, fact._id);
      const moves = movesBetween(fact.counted ?? [], contributions);
      await Promise.all([...moves.values()].map((move) => applyMove(fact!.tenantId, move, factKey, version)));
      fact =
        (await model
          .findOneAndUpdate({ _id: fact._id, tenantId: fact.tenantId, 'pending.version': version }, { $set: { counted: contributions, pending: null } }, { returnDocument: 'after' })
          .lean<Fact<S>>()) ?? (await reload(fact));
      continue;
    }
    if (sameContributions(fact.counted ?? [], fact.want ?? [])) return;
    fact =
      (await model
        .findOneAndUpdate(
          { _id: fact._id, tenantId: fact.tenantId, version: fact.version, pending: null },
          { $set: { pending: { version: fact.version, contributions: fact.want } } },
          { returnDocument: 'after' },
        )
        .lean<Fact<S>>()) ?? (await reload(fact));
  }
  if (fact) throw new Error(`${model.modelName} ${fact._id}: its counters did not settle`); // retried by the consumer
}

/** The upserts of counters that start together go as one command (grouped-upserts.ts): a batch's facts, or concurrent events. */
const upsertCounter = groupedUpserts(CounterModel.collection);

/** One counter's share of a move, applied once per (fact, version). */
export async function applyMove(tenantId: string, move: CounterMove, factKey: string, version: number): Promise<void> {
  const _id = counterId(tenantId, move.ref);
  // Missing or below: never applied at this version.
  const filter = { _id, tenantId, [`applied.${factKey}`]: { $not: { $gte: version } } };
  const update = {
    $inc: Object.fromEntries(Object.entries(move.inc).map(([field, value]) => [`values.${field}`, value])),
    $set: { [`applied.${factKey}`]: version, updatedAt: new Date() },
    $setOnInsert: { kind: move.ref.kind, subject: move.ref.subject, group: move.ref.group ?? '', period: move.ref.period },
  };
  try {
    await upsertCounter(filter, update);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // Either applied before (the filter excluded the document, so the upsert tried to insert
    // it) or two first moves raced to insert it: once more as a plain update.
    await CounterModel.updateOne(filter, update);
  }
}
