import { isDuplicateKey } from '@crm/messaging';
import type { Model } from 'mongoose';
import { byRecord } from './by-record';
import { applyMove, factKeyOf, movesBetween, sameContributions, settle, writeFact, type Contribution, type CountedFields, type Fact } from './counted-fact';

/*
 * A batch of changes to counted facts in a few store commands instead of several per change,
 * with the result of writeFact applied change by change:
 * 1. the batch's facts are read at once (one query per tenant);
 * 2. each fact's changes are folded in order by the same steps writeFact takes;
 * 3. each changed fact is written once, its move claimed in the same write (`pending`, the
 *    version the write gives it): new facts in one insert, the others in one bulk update,
 *    compare-and-set on their version with nothing pending;
 * 4. the moves of every claim are applied together (the counters' upserts go as one command),
 *    each once per (fact, version) as applyMove makes it;
 * 5. the claims are confirmed in one bulk update.
 * What does not fit takes writeFact's way, change by change: a fact a crash left pending, one
 * written meanwhile by another writer, an id that two tenants name in the batch. So steps must
 * be safe to apply again, as every consumer's already are for redeliveries: once applied, a step
 * changes nothing.
 */

/** One fact's changes in a batch. */
export interface FactChanges<S> {
  tenantId: string;
  factId: string;
  /** In order; each gets the fact so far (null when there is none) and returns its next state, or null to leave it. */
  steps: ((current: Fact<S> | null) => S | null)[];
}

interface Claim {
  tenantId: string;
  factId: string;
  counted: Contribution[];
  pending: NonNullable<CountedFields['pending']>;
}

/** Writes the changes of several facts (see the top of this file). */
export async function writeFactsTogether<S extends object>(model: Model<any>, changes: readonly FactChanges<S>[], contributionsOf: (state: S) => Contribution[]): Promise<void> {
  // A fact id named by two tenants goes writeFact's way (one of them is refused there).
  const { records, alone } = byRecord(changes, (change) => ({ tenantId: change.tenantId, id: change.factId }));
  const together = records.map(({ tenantId, id, items }) => ({ tenantId, factId: id, steps: items.flatMap((change) => change.steps) }));
  const stored = await readFacts<S>(model, together);
  const slow: FactChanges<S>[] = [...alone];
  const unsettled: Fact<S>[] = [];
  const inserts: { changes: FactChanges<S>; doc: Fact<S> }[] = [];
  const updates: { changes: FactChanges<S>; current: Fact<S>; state: S; want: Contribution[]; pending: Claim['pending'] | null }[] = [];
  for (const fact of together) {
    const current = stored.get(fact.factId) ?? null;
    // A move a crash left claimed: writeFact finishes it first.
    if (current?.pending) {
      slow.push(fact);
      continue;
    }
    const state = fold(current, fact);
    if (state === null) {
      if (current && !sameContributions(current.counted ?? [], current.want ?? [])) unsettled.push(current);
      continue;
    }
    const want = contributionsOf(state);
    const version = (current?.version ?? 0) + 1;
    const pending = sameContributions(current?.counted ?? [], want) ? null : { version, contributions: want };
    if (current) updates.push({ changes: fact, current, state, want, pending });
    else inserts.push({ changes: fact, doc: { ...state, _id: fact.factId, tenantId: fact.tenantId, version, want, counted: [], pending } });
  }

  const claims: Claim[] = [];
  const claimOf = (tenantId: string, factId: string, counted: Contribution[], pending: Claim['pending'] | null) => pending && claims.push({ tenantId, factId, counted, pending });
  const refused = new Set(await insertAll(model, inserts.map(({ doc }) => doc)));
  for (const [index, { changes, doc }] of inserts.entries()) {
    if (refused.has(index)) slow.push(changes);
    else claimOf(doc.tenantId, doc._id, [], doc.pending);
  }
  if (updates.length > 0) {
    const written = await model.bulkWrite(
      updates.map(({ current, state, want, pending }) => ({
        updateOne: { filter: { _id: current._id, tenantId: current.tenantId, version: current.version, pending: null }, update: { $set: { ...state, want, pending }, $inc: { version: 1 } } },
      })),
      { ordered: false },
    );
    // Another writer changed one of them meanwhile (a rebalance, a replay beside the live
    // consumer): which one, the count does not say, so every one goes writeFact's way.
    if (written.matchedCount === updates.length) for (const { current, pending } of updates) claimOf(current.tenantId, current._id, current.counted ?? [], pending);
    else slow.push(...updates.map(({ changes }) => changes));
  }

  await Promise.all(claims.flatMap(({ tenantId, factId, counted, pending }) => [...movesBetween(counted, pending.contributions).values()].map((move) => applyMove(tenantId, move, factKeyOf(model, factId), pending.version))));
  await confirmAll(model, claims);
  await Promise.all(unsettled.map((fact) => settle(model, fact)));
  for (const fact of slow) for (const step of fact.steps) await writeFact<S>(model, fact.tenantId, fact.factId, step, contributionsOf);
}

async function readFacts<S>(model: Model<any>, facts: readonly FactChanges<S>[]): Promise<Map<string, Fact<S>>> {
  const stored = new Map<string, Fact<S>>();
  for (const [tenantId, group] of Map.groupBy(facts, (fact) => fact.tenantId)) {
    for (const fact of await model.find({ tenantId, _id: { $in: group.map(({ factId }) => factId) } }).lean<Fact<S>[]>()) stored.set(fact._id, fact);
  }
  return stored;
}

/** The fact's steps applied in order to what is stored; null when none changed it. */
function fold<S>(current: Fact<S> | null, { tenantId, factId, steps }: FactChanges<S>): S | null {
  let fact = current;
  let state: S | null = null;
  for (const step of steps) {
    const next = step(fact);
    if (next === null) continue;
    state = next;
    fact = { ...(fact ?? { _id: factId, tenantId, version: 0, want: [], counted: [], pending: null }), ...next } as Fact<S>;
  }
  return state;
}

/** Inserts new facts at once; the indexes of those already there (a replay, a concurrent consumer, another tenant's id). */
async function insertAll(model: Model<any>, docs: readonly object[]): Promise<number[]> {
  if (docs.length === 0) return [];
  try {
    // Through the schema, as writeFact's create: its defaults and types.
    await model.collection.insertMany(docs.map((doc) => new model(doc).toObject()), { ordered: false });
    return [];
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const writeErrors = (error as { writeErrors?: { index: number; code?: number } | { index: number; code?: number }[] }).writeErrors;
    const failed = writeErrors === undefined ? [] : Array.isArray(writeErrors) ? writeErrors : [writeErrors];
    if (failed.length === 0 || failed.some((failure) => failure.code !== 11000)) throw error;
    return failed.map((failure) => failure.index);
  }
}

/** Confirms the claims whose moves were applied, in one bulk update; when one did not match, each is settled from what is stored. */
async function confirmAll(model: Model<any>, claims: readonly Claim[]): Promise<void> {
  if (claims.length === 0) return;
  const written = await model.bulkWrite(
    claims.map(({ tenantId, factId, pending }) => ({
      updateOne: { filter: { _id: factId, tenantId, 'pending.version': pending.version }, update: { $set: { counted: pending.contributions, pending: null } } },
    })),
    { ordered: false },
  );
  if (written.matchedCount === claims.length) return;
  for (const { tenantId, factId } of claims) {
    const fact = await model.findOne({ _id: factId, tenantId }).lean<Fact<object>>();
    if (fact) await settle(model, fact);
  }
}
