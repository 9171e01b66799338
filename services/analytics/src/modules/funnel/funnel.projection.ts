import { isDuplicateKey, PermanentEventError } from '@crm/messaging';
import { ConfirmedTokens, counterClock, fenceBelow, needsStamp, newStamp, refusalOf, removalOf, StaleMoveError, tooOld, type RemovalWrite } from '../deal-facts/counter-fence';
import { DealProgressModel, type DealProgressDoc } from './deal-progress.model';
import { incrementsOf, moveToken, nextStep, type CountMove } from './funnel.counts';
import type { StageInput } from './funnel.math';
import { FunnelCountsModel, funnelId } from './funnel.model';
import { forgetPipeline, PipelineModel } from './pipeline.model';

/*
 * The funnel is incremental and exact under duplicates, replays, redeliveries after a crash,
 * concurrent consumers and writers that stall. Per event, three single-document writes by key in
 * the common case, whatever the number of deals:
 *
 * 1. The deal's fact (`deal_progress`, id = deal id) takes the event's position and, in the
 *    same write, claims the counter move: `pendingTo` = the new furthest position, stamped
 *    `pendingAt` (ms), while `counted` keeps where the counters hold the deal. A creation inserts
 *    the fact claimed; a move does it only where nothing is pending and the position is further
 *    (compare-and-set). A duplicate, a replay or a move back changes nothing, and the event ends there.
 * 2. The move is applied to the pipeline's counters (`funnel_counts`, id =
 *    `<tenant>:<pipeline>`): $inc p<counted> -1, p<pendingTo> +1, only where the move's token
 *    (`<deal>><to>`) is not in `applied` and the document's `fence` is below the claim's stamp,
 *    and the token set there in the same update.
 * 3. The fact confirms (`counted = pendingTo`, `pendingTo` and `pendingAt` null) where the claim
 *    still has the stamp it applied under. Only then, its token goes with a later move of the
 *    pipeline by this process, once the claim's stamp is older than the grace period G
 *    (`DEAL_COUNTER_GRACE_MS`), and that write raises the document's fence to the stamp ($max).
 *
 * A crash after 1 leaves the claim on the fact: the redelivered event (or any later event of
 * the deal) finds it and applies it. A crash after 2 leaves the token: re-applying matches
 * nothing, so the counters move once. A crash after 3 leaves a token nobody will look for
 * again (harmless: the ids never repeat).
 *
 * A writer that stalls (a GC or VM pause, a process frozen past its consumer session so that its
 * partition moved to another replica) between making or reading a claim and step 2, while another
 * writer applies and confirms that claim and a later move removes its token, would count the move
 * again for good. It cannot: right before step 2 a move whose stamp is older than G/2 is given up
 * without a write, and once the token is gone the fence is at least the claim's stamp, so the
 * filter refuses it however long it stalled and whatever its clock. Given up or refused, the
 * writer reads the fact again: confirmed, nothing is left; still pending, the claim takes a new
 * stamp (compare-and-set on the old one, above the fence met) and goes again (its token is absent:
 * the token of a claim not confirmed is never removed). A claim read older than G/4, or without a
 * stamp (written before stamps), is stamped anew the same way first. The rules are the deal facts'
 * (deal-facts/counter-fence.ts, README "A writer that stalls").
 *
 * Across consumers and replicas this relies on single-document updates being atomic, as
 * MongoDB's are and as our local FerretDB build's are (deploy/local/ferretdb/patches).
 * Within a process the moves of one pipeline run one after another (serialized below): its
 * counters are one document, so they would only contend, and a batch's moves share one write.
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

/** Runs one pipeline's counter moves one after another within this process (its counters are one document). */
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

export type Fact = Pick<DealProgressDoc, '_id' | 'tenantId' | 'pipelineId' | 'maxPosition' | 'counted' | 'pendingTo' | 'pendingAt'>;

/**
 * Records that a deal reached `position` (never lowering what it reached before) and moves the
 * counters if that changed the fact. `created`: the event is the deal's creation, so the fact
 * is most likely new (a hint for the cheapest first write; either way the result is the same).
 */
export function recordProgress(tenantId: string, dealId: string, pipelineId: string, position: number, created = false): Promise<void> {
  return serialized(funnelId(tenantId, pipelineId), () => recordProgressNow({ tenantId, dealId, pipelineId, position, created }));
}

/** recordProgress without waiting for this process's turn of the pipeline: for a caller that holds it (or a test playing another process). */
export async function recordProgressNow(progress: Progress): Promise<void> {
  await settle(await claimProgress(progress));
}

/** That a deal reached a position (see recordProgress); `created`: the event is its creation. */
export interface Progress {
  tenantId: string;
  dealId: string;
  pipelineId: string;
  position: number;
  created: boolean;
}

/** Writes a deal's progress to its fact, claiming the counter move (stamped now) where it can; returns the fact to settle. */
async function claimProgress({ tenantId, dealId, pipelineId, position, created }: Progress): Promise<Fact> {
  const stamp = counterClock.now();
  if (!created) {
    // A move further, with nothing pending: advance and claim in one write.
    const before = await DealProgressModel.findOneAndUpdate(
      { _id: dealId, tenantId, pendingTo: null, maxPosition: { $lt: position } },
      { $set: { maxPosition: position, pendingTo: position, pendingAt: stamp } },
      { returnDocument: 'before' },
    ).lean<Fact>();
    if (before) return { ...before, maxPosition: position, pendingTo: position, pendingAt: stamp };
  }
  // A creation, or anything else: a duplicate, a move back, a move before its creation, a claim left by a crash.
  const fact = await inOwnTenant(
    // A deal stays in the pipeline it was created in: no event moves it to another one.
    () =>
      DealProgressModel.findOneAndUpdate(
        { _id: dealId, tenantId },
        { $max: { maxPosition: position }, $setOnInsert: { pipelineId, counted: null, pendingTo: position, pendingAt: stamp } },
        { upsert: true, returnDocument: 'after' },
      ).lean<Fact>(),
    () => DealProgressModel.exists({ _id: dealId, tenantId }),
    `deal ${dealId}`,
  );
  return fact!;
}

/** Test seams: a hold right before a claim's counter write (a stalled writer), with the facts whose moves it writes. Only tests set them. */
export const funnelSeams: { beforeMoves?: (facts: readonly Fact[]) => Promise<void> } = {};

/** A claimed move about to be applied: the fact, the move, its token and the claim's stamp. */
interface Claimed {
  fact: Fact;
  move: CountMove;
  token: string;
  stamp: number;
}

const claimedOf = (fact: Fact, move: CountMove): Claimed => ({ fact, move, token: moveToken(fact._id, move), stamp: fact.pendingAt! });

/**
 * A fetched batch of progress at once: per pipeline, each deal's furthest position in the batch
 * is claimed on its fact, the claimed moves go to the pipeline's counters in one update (all their
 * tokens, or one move at a time when one was applied before or refused), and the facts confirm.
 * The same claims, stamps, tokens and confirmations as one event at a time, so the counters end up
 * the same. A claim found old or without a stamp (left by a crash), a move given up or refused (this
 * writer stalled), and whatever else is left are settled one deal at a time after the batch's write.
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
          return step.kind === 'apply' && !needsStamp(fact.pendingAt, 0) ? [claimedOf(fact, step.move)] : [];
        });
        await funnelSeams.beforeMoves?.(claimed.map(({ fact }) => fact));
        const refused = await applyToCounters(claimed);
        // Each fact as it is now, with the stamp its claim needs to clear a fence its move met.
        const latest = new Map<string, { fact: Fact | null; floor: number }>();
        await Promise.all(
          claimed.map(async (one) => {
            const stale = refused.get(one.fact._id);
            latest.set(one.fact._id, stale ? { fact: await reloadFact(one.fact), floor: stale.above } : { fact: await confirm(one), floor: 0 });
          }),
        );
        // Whatever is left (a claim to make or stamp anew, a move refused, a concurrent consumer's move): one at a time.
        for (const fact of facts) {
          const { fact: now, floor } = latest.get(fact._id) ?? { fact, floor: 0 };
          if (now) await settle(now, floor);
        }
      }),
    ),
  );
}

/** Brings the counters in line with one fact (serialized with the other moves of its pipeline). */
export const settleFact = (fact: Fact): Promise<void> => serialized(funnelId(fact.tenantId, fact.pipelineId), () => settle(fact));

/** settleFact without waiting for this process's turn of the pipeline: for a caller that holds it (or a test playing another process). */
export const settleFactNow = (fact: Fact): Promise<void> => settle(fact);

/**
 * Applies the fact's claimed move, claims the next, until settled. `floor`: a stamp the claim
 * needs to clear a fence its move met (a writer that stalled: its claim is stamped anew above it).
 */
async function settle(start: Fact, floor = 0): Promise<void> {
  let fact: Fact | null = start;
  let above = floor;
  // Each round either finishes a step or finds that another writer did: a handful of rounds at most.
  for (let round = 0; fact && round < 20; round += 1) {
    const step = nextStep(fact);
    if (step.kind === 'settled') return;
    if (step.kind === 'claim') {
      fact =
        (await DealProgressModel.findOneAndUpdate(
          { _id: fact._id, tenantId: fact.tenantId, pendingTo: null, counted: step.move.from },
          { $set: { pendingTo: step.move.to, pendingAt: Math.max(counterClock.now(), above) } },
          { returnDocument: 'after' },
        ).lean<Fact>()) ?? (await reloadFact(fact));
      continue;
    }
    if (needsStamp(fact.pendingAt, above)) {
      // Left by a crash or a stalled writer (old), written before stamps, or below a fence met: a new stamp first.
      fact = (await restamp(fact, above)) ?? (await reloadFact(fact));
      continue;
    }
    const one = claimedOf(fact, step.move);
    await funnelSeams.beforeMoves?.([fact]);
    const stale = (await applyToCounters([one])).get(fact._id);
    if (stale) {
      // Given up or refused (this writer stalled): the fact read again tells what is left.
      above = Math.max(above, stale.above);
      fact = await reloadFact(fact);
      continue;
    }
    fact = await confirm(one);
  }
  if (fact) throw new Error(`deal ${fact._id}: its funnel counters did not settle`); // retried by the consumer
}

/** The claim with a new stamp (above its old one and `floor`), or null when it changed meanwhile (confirmed or stamped by another writer). */
function restamp(fact: Fact, floor: number): Promise<Fact | null> {
  return DealProgressModel.findOneAndUpdate(
    { _id: fact._id, tenantId: fact.tenantId, pendingTo: fact.pendingTo, pendingAt: fact.pendingAt ?? null },
    { $set: { pendingAt: newStamp(fact.pendingAt, floor) } },
    { returnDocument: 'after' },
  ).lean<Fact>();
}

/**
 * Confirms an applied move on its fact, where the claim still has the stamp it was applied under;
 * returns the fact as it is now. Only a confirmation that matched lets the token go (past the grace
 * period, with a later move of the pipeline): under the claim's latest stamp, which the fence must
 * cover. Not matched: another writer confirmed the claim or stamped it anew, and forgets the token.
 */
async function confirm({ fact, move, token, stamp }: Claimed): Promise<Fact | null> {
  const confirmed = await DealProgressModel.findOneAndUpdate(
    { _id: fact._id, tenantId: fact.tenantId, pendingTo: move.to, pendingAt: stamp },
    { $set: { counted: move.to, pendingTo: null, pendingAt: null } },
    { returnDocument: 'after' },
  ).lean<Fact>();
  if (!confirmed) return reloadFact(fact);
  const counters = funnelId(fact.tenantId, fact.pipelineId);
  if (!confirmedTokens.remember(counters, fact.tenantId, { token, stamp })) await removeTokens(counters, fact.tenantId, removalOf([{ token, stamp }]));
  return confirmed;
}

const reloadFact = (fact: Fact) => DealProgressModel.findOne({ _id: fact._id, tenantId: fact.tenantId }).lean<Fact>();

/** Per counters document: tokens of this process's confirmed moves, removed by its moves there once past the grace period. */
const confirmedTokens = new ConfirmedTokens();
const removeTokens: RemovalWrite = (_id, tenantId, removal) => FunnelCountsModel.updateOne({ _id, tenantId }, removal);

/** The confirmed tokens past the grace period of pipelines without a move for `idleMs`, removed (counter-fence.ts, sweep). */
export const sweepFunnelTokens = (idleMs: number, limit: number) => confirmedTokens.sweep(idleMs, limit, removeTokens);

/** Moves in one update of the counters, at most (its filter names each token). */
const MAX_MOVES_PER_WRITE = 64;

/**
 * Applies claimed moves of one pipeline once: the tokens in `applied` tell a repeat from a first
 * time, the fence a claim whose token is gone. Several go as one update that applies all or none
 * (its filter requires every token absent and the fence below every stamp); when it matches
 * nothing (a move applied before, one refused), each goes alone. A move older than G/2 is given up
 * without a write. Returns the moves not written (given up or refused), by deal, with the reason.
 */
async function applyToCounters(moves: readonly Claimed[]): Promise<Map<string, StaleMoveError>> {
  const stale = new Map<string, StaleMoveError>();
  for (let at = 0; at < moves.length; at += MAX_MOVES_PER_WRITE) {
    const group = moves.slice(at, at + MAX_MOVES_PER_WRITE).filter((one) => {
      if (tooOld(one.stamp)) stale.set(one.fact._id, new StaleMoveError(one.token, 0));
      return !stale.has(one.fact._id);
    });
    if (group.length > 1 && (await writeCounts(group, true))) continue;
    for (const one of group) {
      const refused = await applyAlone(one);
      if (refused) stale.set(one.fact._id, refused);
    }
  }
  return stale;
}

/** One move on its own: null when applied (now or before), else why it was not. */
async function applyAlone(one: Claimed): Promise<StaleMoveError | null> {
  if (tooOld(one.stamp)) return new StaleMoveError(one.token, 0);
  if (await writeCounts([one], true)) return null;
  // The filter excluded the document (the upsert tried to insert it): the token is there (applied
  // before), the fence refused the move, or two first moves of the pipeline raced to insert it.
  // Once more as a plain update, which matches only the latter; else the document tells which.
  if (tooOld(one.stamp)) return new StaleMoveError(one.token, 0);
  if (await writeCounts([one], false)) return null;
  const _id = funnelId(one.fact.tenantId, one.fact.pipelineId);
  const doc = await FunnelCountsModel.findOne({ _id, tenantId: one.fact.tenantId }, { [`applied.${one.token}`]: 1, fence: 1 }).lean<{ applied?: Record<string, unknown>; fence?: number }>();
  return refusalOf(one.token, doc);
}

/**
 * One update of the pipeline's counters for the moves: every token absent and the fence below
 * every stamp in its filter, the tokens set in the same write, and this process's confirmed tokens
 * past the grace period removed with it (the fence raised to their stamps). True when it matched or
 * inserted; false when the filter excluded the document.
 */
function writeCounts(moves: readonly Claimed[], upsert: boolean): Promise<boolean> {
  const { fact } = moves[0]!;
  const _id = funnelId(fact.tenantId, fact.pipelineId);
  const tokens = moves.map(({ token }) => token);
  const inc: Record<string, number> = {};
  for (const { move } of moves) for (const [path, amount] of Object.entries(incrementsOf(move))) inc[path] = (inc[path] ?? 0) + amount;
  const filter = {
    _id,
    tenantId: fact.tenantId,
    ...fenceBelow(moves.map(({ stamp }) => stamp)),
    ...Object.fromEntries(tokens.map((token) => [`applied.${token}`, { $exists: false }])),
  };
  return confirmedTokens.writeWith(_id, new Set(tokens), async (removal) => {
    const update = {
      $inc: inc,
      $set: { ...Object.fromEntries(tokens.map((token) => [`applied.${token}`, true])), updatedAt: new Date() },
      $setOnInsert: { pipelineId: fact.pipelineId },
      ...removal,
    };
    try {
      const written = await FunnelCountsModel.updateOne(filter, update, { upsert });
      return written.matchedCount + written.upsertedCount > 0;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return false;
    }
  });
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
