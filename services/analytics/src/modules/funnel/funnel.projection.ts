import { PermanentEventError } from '@crm/messaging';
import { DealProgressModel, type DealProgressDoc, type PendingCount } from './deal-progress.model';
import { incrementsOf, moveToken, nextStep } from './funnel.counts';
import type { StageInput } from './funnel.math';
import { FunnelCountsModel, funnelId } from './funnel.model';
import { PipelineModel } from './pipeline.model';

/*
 * The funnel is incremental and exact under duplicates, replays, redeliveries after a crash
 * and concurrent consumers. Per event, a constant number of single-document writes by key,
 * whatever the number of deals:
 *
 * 1. The deal's fact (`deal_progress`, id = deal id) takes the event's position with $max.
 *    A duplicate, a replay or a move back changes nothing, and the event ends there.
 * 2. A fact whose counters lag behind it (`counted` < `maxPosition`) gets a move claimed on
 *    the fact itself: `pending: {from: counted, to: maxPosition}`, set only where `counted`
 *    is still what was read and no move is pending (compare-and-set), so concurrent
 *    consumers never both move the same deal. A new deal's fact is inserted already claimed.
 * 3. The claimed move is applied to the pipeline's counters (`funnel_counts`, id =
 *    `<tenant>:<pipeline>`): $inc p<from> -1, p<to> +1, only where the move's token
 *    (`<deal>><to>`) is not in `applied`, and $push of the token in the same update.
 * 4. The fact confirms: `counted = to`, `pending = null` (only if that move is still pending).
 * 5. The token leaves `applied` ($pull).
 *
 * A crash after 2 leaves the claim on the fact: the redelivered event (or any later event of
 * the deal, or the start-up sweep) finds it and applies it. A crash after 3 leaves the token:
 * re-applying matches nothing, so the counters move once. A crash after 4 leaves a token
 * nobody will look for again (harmless; the ids never repeat).
 *
 * Across replicas this relies on single-document updates being atomic, as MongoDB's are.
 * FerretDB 1.24 on SQLite reads and writes back a document in separate steps (measured here:
 * 200 concurrent $inc of one field left +90, and a compare-and-set had 2 winners out of 100),
 * so within a process the moves of one pipeline run one after another (serialized below);
 * locally one analytics process runs, so the local funnel stays exact too.
 */

const isDuplicateKey = (error: unknown) => (error as { code?: number } | null)?.code === 11000;

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

/** Runs one pipeline's counter moves one after another within this process (see above). */
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
}

type Fact = Pick<DealProgressDoc, '_id' | 'tenantId' | 'pipelineId' | 'maxPosition' | 'counted' | 'pending'>;

/** Records that a deal reached `position` (never lowering what it reached before) and moves the counters if that changed the fact. */
export function recordProgress(tenantId: string, dealId: string, pipelineId: string, position: number): Promise<void> {
  return serialized(funnelId(tenantId, pipelineId), async () => {
    const fact = await inOwnTenant(
      // A deal stays in the pipeline it was created in: no event moves it to another one.
      () =>
        DealProgressModel.findOneAndUpdate(
          { _id: dealId, tenantId },
          { $max: { maxPosition: position }, $setOnInsert: { pipelineId, counted: null, pending: { from: null, to: position } } },
          { upsert: true, returnDocument: 'after' },
        ).lean<Fact>(),
      () => DealProgressModel.exists({ _id: dealId, tenantId }),
      `deal ${dealId}`,
    );
    await settle(fact!);
  });
}

/** Brings the counters in line with one fact (serialized with the other moves of its pipeline). */
export const settleFact = (fact: Fact): Promise<void> => serialized(funnelId(fact.tenantId, fact.pipelineId), () => settle(fact));

/** Applies the fact's pending move, claims the next, until settled. */
async function settle(start: Fact): Promise<void> {
  let fact: Fact | null = start;
  // Each round either finishes a move or finds that another consumer did: a handful of rounds at most.
  for (let round = 0; fact && round < 20; round += 1) {
    const step = nextStep(fact);
    if (step.kind === 'settled') return;
    if (step.kind === 'claim') {
      fact =
        (await DealProgressModel.findOneAndUpdate(
          { _id: fact._id, tenantId: fact.tenantId, counted: step.move.from, pending: null },
          { $set: { pending: step.move } },
          { returnDocument: 'after' },
        ).lean<Fact>()) ?? (await reloadFact(fact));
      continue;
    }
    await applyToCounters(fact, step.move);
    const token = moveToken(fact._id, step.move);
    const confirmed: Fact | null = await DealProgressModel.findOneAndUpdate(
      { _id: fact._id, tenantId: fact.tenantId, 'pending.to': step.move.to },
      { $set: { counted: step.move.to, pending: null } },
      { returnDocument: 'after' },
    ).lean<Fact>();
    await FunnelCountsModel.updateOne({ _id: funnelId(fact.tenantId, fact.pipelineId), tenantId: fact.tenantId }, { $pull: { applied: token } });
    fact = confirmed ?? (await reloadFact(fact));
  }
  if (fact) throw new Error(`deal ${fact._id}: its funnel counters did not settle`); // retried by the consumer
}

const reloadFact = (fact: Fact) => DealProgressModel.findOne({ _id: fact._id, tenantId: fact.tenantId }).lean<Fact>();

/** Applies a claimed move once: the token in `applied` tells a repeat from a first time. */
async function applyToCounters(fact: Fact, move: PendingCount): Promise<void> {
  const _id = funnelId(fact.tenantId, fact.pipelineId);
  const token = moveToken(fact._id, move);
  const filter = { _id, tenantId: fact.tenantId, applied: { $ne: token } };
  const update = { $inc: incrementsOf(move), $push: { applied: token }, $set: { updatedAt: new Date() }, $setOnInsert: { pipelineId: fact.pipelineId } };
  try {
    await FunnelCountsModel.updateOne(filter, update, { upsert: true });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // Either the token is there (applied before: the filter excluded the document, so the upsert
    // tried to insert it), or two first moves of the pipeline raced to insert: try once more as an update.
    await FunnelCountsModel.updateOne(filter, update);
  }
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
