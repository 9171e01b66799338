import { isDuplicateKey, PermanentEventError } from '@crm/messaging';
import { DealProgressModel, type DealProgressDoc } from './deal-progress.model';
import { incrementsOf, moveToken, nextStep, type CountMove } from './funnel.counts';
import type { StageInput } from './funnel.math';
import { FunnelCountsModel, funnelId } from './funnel.model';
import { forgetPipeline, PipelineModel } from './pipeline.model';

/*
 * The funnel is incremental and exact under duplicates, replays, redeliveries after a crash
 * and concurrent consumers. Per event, three single-document writes by key in the common
 * case, whatever the number of deals:
 *
 * 1. The deal's fact (`deal_progress`, id = deal id) takes the event's position and, in the
 *    same write, claims the counter move: `pendingTo` = the new furthest position, while
 *    `counted` keeps where the counters hold the deal. A creation inserts the fact claimed; a
 *    move does it only where nothing is pending and the position is further (compare-and-set).
 *    A duplicate, a replay or a move back changes nothing, and the event ends there.
 * 2. The move is applied to the pipeline's counters (`funnel_counts`, id =
 *    `<tenant>:<pipeline>`): $inc p<counted> -1, p<pendingTo> +1, only where the move's token
 *    (`<deal>><to>`) is not in `applied`, and the token set there in the same update.
 * 3. The fact confirms: `counted = pendingTo`, `pendingTo = null`.
 * The token is removed by this process's next move of the same pipeline ($unset beside its
 * $inc), once the fact that named it is confirmed.
 *
 * A crash after 1 leaves the claim on the fact: the redelivered event (or any later event of
 * the deal) finds it and applies it. A crash after 2 leaves the token: re-applying matches
 * nothing, so the counters move once. A crash after 3 leaves a token nobody will look for
 * again (harmless: the ids never repeat).
 *
 * Across consumers and replicas this relies on single-document updates being atomic, as
 * MongoDB's are and as our local FerretDB build's are (deploy/local/ferretdb/patches).
 * Within a process the moves of one pipeline run one after another (serialized below), so
 * that the tokens of its confirmed moves are removed in order by its next move.
 */

/**
 * Ids are global: an upsert colliding with another tenant's document must never touch it.
 * A duplicate key on our own tenant's id is a concurrent upsert that inserted first: then the
 * write is repeated once, as the update it now is.
 */
async function inOwnTenant<T>(write: () => Promise<T>, ownExists: () => Promise<unknown>, what: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    if (await ownExists()) return write();
    throw new PermanentEventError(`${what} belongs to another tenant`);
  }
}

/** Runs one pipeline's counter moves one after another within this process: token clean-up follows their order. */
const queues = new Map<string, Promise<unknown>>();
function serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const result = previous.catch(() => undefined).then(work);
  const tail = result.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return result;
}

export async function savePipeline(tenantId: string, pipelineId: string, name: string, stages: StageInput[]): Promise<void> {
  // Stages may arrive after the deals: the counters need nothing from them, the query combines both.
  await inOwnTenant(
    () => PipelineModel.updateOne({ _id: pipelineId, tenantId }, { $set: { name, stages, updatedAt: new Date() } }, { upsert: true }),
    () => PipelineModel.exists({ _id: pipelineId, tenantId }),
    `pipeline ${pipelineId}`,
  );
  forgetPipeline(tenantId, pipelineId);
}

type Fact = Pick<DealProgressDoc, '_id' | 'tenantId' | 'pipelineId' | 'maxPosition' | 'counted' | 'pendingTo'>;

/**
 * Records that a deal reached `position` (never lowering what it reached before) and moves the
 * counters if that changed the fact. `created`: the event is the deal's creation, so the fact
 * is most likely new (a hint for the cheapest first write; either way the result is the same).
 */
export function recordProgress(tenantId: string, dealId: string, pipelineId: string, position: number, created = false): Promise<void> {
  return serialized(funnelId(tenantId, pipelineId), async () => settle(await claimProgress({ tenantId, dealId, pipelineId, position, created })));
}

/** That a deal reached a position (see recordProgress); `created`: the event is its creation. */
export interface Progress {
  tenantId: string;
  dealId: string;
  pipelineId: string;
  position: number;
  created: boolean;
}

/** Writes a deal's progress to its fact, claiming the counter move where it can; returns the fact to settle. */
async function claimProgress({ tenantId, dealId, pipelineId, position, created }: Progress): Promise<Fact> {
  if (!created) {
    // A move further, with nothing pending: advance and claim in one write.
    const before = await DealProgressModel.findOneAndUpdate(
      { _id: dealId, tenantId, pendingTo: null, maxPosition: { $lt: position } },
      { $set: { maxPosition: position, pendingTo: position } },
      { returnDocument: 'before' },
    ).lean<Fact>();
    if (before) return { ...before, maxPosition: position, pendingTo: position };
  }
  // A creation, or anything else: a duplicate, a move back, a move before its creation, a claim left by a crash.
  const fact = await inOwnTenant(
    // A deal stays in the pipeline it was created in: no event moves it to another one.
    () =>
      DealProgressModel.findOneAndUpdate(
        { _id: dealId, tenantId },
        { $max: { maxPosition: position }, $setOnInsert: { pipelineId, counted: null, pendingTo: position } },
        { upsert: true, returnDocument: 'after' },
      ).lean<Fact>(),
    () => DealProgressModel.exists({ _id: dealId, tenantId }),
    `deal ${dealId}`,
  );
  return fact!;
}

/**
 * A fetched batch of progress at once: per pipeline, each deal's furthest position in the batch
 * is claimed on its fact, the claimed moves go to the pipeline's counters in one update (all their
 * tokens, or one move at a time when one was applied before), and the facts confirm. The same
 * claims, tokens and confirmations as one event at a time, so the counters end up the same.
 */
export async function recordProgressBatch(items: readonly Progress[]): Promise<void> {
  const pipelines = new Map<string, Map<string, Progress>>();
  for (const item of items) {
    const key = funnelId(item.tenantId, item.pipelineId);
    const deals = pipelines.get(key) ?? new Map<string, Progress>();
    const seen = deals.get(item.dealId);
    // Progress never lowers the furthest position: the batch's highest is the deal's claim.
    deals.set(item.dealId, seen ? { ...seen, position: Math.max(seen.position, item.position), created: seen.created || item.created } : item);
    pipelines.set(key, deals);
  }
  await Promise.all(
    [...pipelines].map(([key, deals]) =>
      serialized(key, async () => {
        const facts = await Promise.all([...deals.values()].map(claimProgress));
        const claimed = facts.flatMap((fact) => {
          const step = nextStep(fact);
          return step.kind === 'apply' ? [{ fact, move: step.move, token: moveToken(fact._id, step.move) }] : [];
        });
        await applyToCounters(claimed);
        const confirmed = new Map<string, Fact | null>();
        await Promise.all(claimed.map(async ({ fact, move, token }) => confirmed.set(fact._id, await confirm(fact, move, token))));
        // Whatever is left (a claim to make after a crash, a concurrent consumer's move): one at a time.
        for (const fact of facts) {
          const latest = confirmed.has(fact._id) ? confirmed.get(fact._id) : fact;
          if (latest) await settle(latest);
        }
      }),
    ),
  );
}

/** Brings the counters in line with one fact (serialized with the other moves of its pipeline). */
export const settleFact = (fact: Fact): Promise<void> => serialized(funnelId(fact.tenantId, fact.pipelineId), () => settle(fact));

/** Applies the fact's claimed move, claims the next, until settled. */
async function settle(start: Fact): Promise<void> {
  let fact: Fact | null = start;
  // Each round either finishes a move or finds that another consumer did: a handful of rounds at most.
  for (let round = 0; fact && round < 20; round += 1) {
    const step = nextStep(fact);
    if (step.kind === 'settled') return;
    if (step.kind === 'claim') {
      fact =
        (await DealProgressModel.findOneAndUpdate(
          { _id: fact._id, tenantId: fact.tenantId, pendingTo: null, counted: step.move.from },
          { $set: { pendingTo: step.move.to } },
          { returnDocument: 'after' },
        ).lean<Fact>()) ?? (await reloadFact(fact));
      continue;
    }
    const token = moveToken(fact._id, step.move);
    await applyToCounters([{ fact, move: step.move, token }]);
    fact = await confirm(fact, step.move, token);
  }
  if (fact) throw new Error(`deal ${fact._id}: its funnel counters did not settle`); // retried by the consumer
}

/** Confirms an applied move on its fact; returns the fact as it is now. */
async function confirm(fact: Fact, move: CountMove, token: string): Promise<Fact | null> {
  const confirmed: Fact | null = await DealProgressModel.findOneAndUpdate(
    { _id: fact._id, tenantId: fact.tenantId, pendingTo: move.to },
    { $set: { counted: move.to, pendingTo: null } },
    { returnDocument: 'after' },
  ).lean<Fact>();
  // Confirmed (by us or by another consumer): the token may go with this process's next move of the pipeline.
  const counters = funnelId(fact.tenantId, fact.pipelineId);
  confirmedTokens.set(counters, new Set(confirmedTokens.get(counters)).add(token));
  return confirmed ?? (await reloadFact(fact));
}

const reloadFact = (fact: Fact) => DealProgressModel.findOne({ _id: fact._id, tenantId: fact.tenantId }).lean<Fact>();

/** Per counters document: tokens of this process's confirmed moves, removed by its next move there (one, as a rule). */
const confirmedTokens = new Map<string, Set<string>>();

/** Moves in one update of the counters, at most (its filter names each token). */
const MAX_MOVES_PER_WRITE = 64;

/**
 * Applies claimed moves of one pipeline once: the tokens in `applied` tell a repeat from a first
 * time. Several go as one update that applies all or none (its filter requires every token
 * absent); when one of them was applied before (a redelivery after a crash), each goes alone.
 */
async function applyToCounters(moves: readonly { fact: Fact; move: CountMove; token: string }[]): Promise<void> {
  for (let at = 0; at < moves.length; at += MAX_MOVES_PER_WRITE) {
    const group = moves.slice(at, at + MAX_MOVES_PER_WRITE);
    const applied = await applyTogether(group);
    if (!applied) for (const one of group) await applyTogether([one]);
  }
}

/** One update for the moves; false when it matched nothing because a token was there (only for several moves). */
async function applyTogether(moves: readonly { fact: Fact; move: CountMove; token: string }[]): Promise<boolean> {
  const { fact } = moves[0]!;
  const _id = funnelId(fact.tenantId, fact.pipelineId);
  const tokens = new Set(moves.map(({ token }) => token));
  const previous = [...(confirmedTokens.get(_id) ?? [])].filter((old) => !tokens.has(old));
  const inc: Record<string, number> = {};
  for (const { move } of moves) for (const [path, amount] of Object.entries(incrementsOf(move))) inc[path] = (inc[path] ?? 0) + amount;
  const filter = { _id, tenantId: fact.tenantId, ...Object.fromEntries([...tokens].map((token) => [`applied.${token}`, { $exists: false }])) };
  const update = {
    $inc: inc,
    $set: { ...Object.fromEntries([...tokens].map((token) => [`applied.${token}`, true])), updatedAt: new Date() },
    $setOnInsert: { pipelineId: fact.pipelineId },
    ...(previous.length > 0 && { $unset: Object.fromEntries(previous.map((old) => [`applied.${old}`, ''])) }),
  };
  let written: { matchedCount: number; upsertedCount: number };
  try {
    written = await FunnelCountsModel.updateOne(filter, update, { upsert: true });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    if (moves.length > 1) return false;
    // Either the token is there (applied before: the filter excluded the document, so the upsert
    // tried to insert it), or two first moves of the pipeline raced to insert: try once more as an update.
    written = await FunnelCountsModel.updateOne(filter, update);
  }
  // The old tokens went only if the update matched; otherwise the next move takes them.
  if (written.matchedCount + written.upsertedCount > 0) {
    const left = confirmedTokens.get(_id);
    for (const old of previous) left?.delete(old);
    if (left?.size === 0) confirmedTokens.delete(_id);
  }
  return true;
}

/**
 * Settles every fact whose counters lag behind: facts written before the counters existed
 * (and any move claimed by a consumer that crashed and whose event will not come again).
 * Beside the consumers, claims make that safe. It reads the whole collection where no index
 * serves `counted: null`, so the service runs it once per database (see migrateFunnelCounters).
 */
export async function settleUnsettledFacts(): Promise<number> {
  let settled = 0;
  for await (const fact of DealProgressModel.find({ counted: null }).lean<Fact>().cursor()) {
    await settleFact(fact as Fact);
    settled += 1;
  }
  return settled;
}

const MIGRATION_ID = 'funnel-counters-v1';

/**
 * Once per database: settles the facts written before the counters existed. A database
 * without facts (a new one, every test's) needs nothing and is only marked; the marker is a
 * document by key in `migrations`, so later starts read nothing else.
 */
export async function migrateFunnelCounters(): Promise<number> {
  const migrations = DealProgressModel.db.collection<{ _id: string; at: Date }>('migrations');
  if (await migrations.findOne({ _id: MIGRATION_ID })) return 0;
  const settled = (await DealProgressModel.estimatedDocumentCount()) > 0 ? await settleUnsettledFacts() : 0;
  await migrations.updateOne({ _id: MIGRATION_ID }, { $set: { at: new Date() } }, { upsert: true });
  return settled;
}
