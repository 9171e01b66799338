import { DealReopened, type Envelope, type EventData } from '@crm/events';
import { dayOf, daysAgo, daysBefore, isDuplicateKey } from '@crm/messaging';
import { createPollingWorker, type BackgroundWorker, type Logger } from '@crm/service-kit';
import { createKeyStepTasks, scheduleFollowUps, type DealWonEvent, type StageEntered } from '../activity/automated-tasks';
import { PipelinePlanModel, planId, type PipelinePlanDoc } from './pipeline-plan.model';
import { PlanWaitModel, planWaitId, planWaitKinds, type PlanWaitDoc } from './plan-wait.model';

/** Waiting entries read per page when a plan comes, and pages before the handler fails (and is retried): 100,000. */
const PAGE = 100;
const MAX_ROUNDS = 1_000;

type Entry = Pick<PlanWaitDoc, 'kind' | 'tenantId' | 'dealId' | 'pipelineId' | 'stageId' | 'at' | 'pipelineVersion'> & { event: Envelope };

const planOf = (tenantId: string, pipelineId: string) => PipelinePlanModel.findOne({ _id: planId(tenantId, pipelineId) }).lean<PipelinePlanDoc>();
const idOf = (entry: Pick<Entry, 'tenantId' | 'dealId' | 'kind'>) => planWaitId(entry.tenantId, entry.dealId, entry.kind);

/** What a settled entry records: the day it settled, from which its retention runs (deleteSettledPlanWaits). */
const settledNow = () => ({ waiting: false, event: null, settledDay: dayOf(new Date()) });

/**
 * Whether the plan is at least the pipeline version the event was checked against (the deal
 * events' `pipelineVersion`): an older plan is one whose PipelineUpdated has not come yet, and
 * the entry waits for it as for a missing plan. An event without a version (published before
 * deals sent it), or a plan without one (from such pipeline events), is taken as matching, as
 * before versions existed: a plan without a version may never get one, if its pipeline is not
 * changed again.
 */
const planIsCurrentFor = (plan: PipelinePlanDoc, entry: Pick<Entry, 'pipelineVersion'>) =>
  !entry.pipelineVersion || plan.version === null || plan.version === undefined || plan.version >= entry.pipelineVersion;

/** Makes the entry's tasks from the plan (deterministic ids: again, nothing twice); false while the plan is older than the event or does not know its stage. */
async function makeTasks(entry: Entry, plan: PipelinePlanDoc, logger: Logger): Promise<boolean> {
  if (!planIsCurrentFor(plan, entry)) return false;
  if (entry.kind === 'WIN') {
    await scheduleFollowUps(entry.event as DealWonEvent, plan, logger);
    return true;
  }
  const stage = plan.stages.find((candidate) => candidate.id === entry.stageId);
  if (!stage) return false;
  await createKeyStepTasks(entry.event as StageEntered, stage, logger);
  return true;
}

/** Tasks first, then settled, only as it was read: a crash between leaves it waiting for the next try, a newer entry stays. */
async function resolve(entry: Entry, plan: PipelinePlanDoc, logger: Logger): Promise<void> {
  if (!(await makeTasks(entry, plan, logger))) return;
  await PlanWaitModel.updateOne({ _id: idOf(entry), at: entry.at, waiting: true }, { $set: settledNow() });
}

/**
 * Records the entry as the deal's latest of its kind, waiting; answers whether it wrote it. An
 * entry as new or newer is kept (the upsert is then a duplicate key): this one is a copy or stale.
 */
async function wait(entry: Entry): Promise<boolean> {
  try {
    await PlanWaitModel.updateOne({ _id: idOf(entry), at: { $lt: entry.at } }, { $set: { ...entry, waiting: true, settledDay: null } }, { upsert: true });
    return true;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return false;
  }
}

/**
 * A stage entry's key steps or a win's follow-ups now, when the plan has what they need (as of
 * the pipeline version the event names); else the entry waits for the plan (createWaitingTasks).
 * One look-up by key besides the plan's.
 */
async function tasksOrWait(entry: Entry, logger: Logger): Promise<void> {
  const known = await PlanWaitModel.findOne({ _id: idOf(entry) }).lean<PlanWaitDoc>();
  // The deal moved on since (a later stage entry, a reopening): a replay or a late copy, for a stage it left.
  if (known && known.at > entry.at) return;
  const plan = await planOf(entry.tenantId, entry.pipelineId);
  if (plan && (await makeTasks(entry, plan, logger))) {
    // For a deal that ever waited, its record moves to this entry: an older one still waiting is
    // superseded (its stage is left), and a replay of it later finds this newer time.
    if (known && (known.waiting || known.at < entry.at)) {
      await PlanWaitModel.updateOne({ _id: known._id, at: { $lte: entry.at } }, { $set: { at: entry.at, ...settledNow() } });
    }
    return;
  }
  if (!(await wait(entry))) return;
  // The plan may have been stored between the look above and this write, its consumer then finding nothing waiting: look once more.
  const now = await planOf(entry.tenantId, entry.pipelineId);
  if (now) await resolve(entry, now, logger);
}

/** DealStageChanged: the key-step tasks of the stage entered, now or when the plan knows the stage. */
export const keyStepTasksOrWait = (event: StageEntered, logger: Logger) =>
  tasksOrWait(
    {
      kind: 'STAGE',
      tenantId: event.tenantId,
      dealId: event.data.dealId,
      pipelineId: event.data.pipelineId,
      stageId: event.data.toStage.id,
      at: new Date(event.occurredAt),
      pipelineVersion: event.data.pipelineVersion ?? 0,
      event,
    },
    logger,
  );

/** DealWon: the pipeline's follow-ups, now or when its plan comes. */
export const followUpsOrWait = (event: DealWonEvent, logger: Logger) =>
  tasksOrWait(
    {
      kind: 'WIN',
      tenantId: event.tenantId,
      dealId: event.data.dealId,
      pipelineId: event.data.pipelineId,
      stageId: event.data.stage.id,
      at: new Date(event.occurredAt),
      pipelineVersion: event.data.pipelineVersion ?? 0,
      event,
    },
    logger,
  );

/** DealReopened: the deal left its won or lost stage and is no longer won, so what waited for either gets no tasks. */
export async function settleOnReopen(event: Envelope<EventData<typeof DealReopened>>): Promise<void> {
  const at = new Date(event.occurredAt);
  const ids = planWaitKinds.map((kind) => planWaitId(event.tenantId, event.data.dealId, kind));
  await PlanWaitModel.updateMany({ _id: { $in: ids }, at: { $lt: at } }, { $set: { at, ...settledNow() } });
}

/**
 * A pipeline's plan was stored: the tasks of what waited for it (stage entries whose stage it
 * knows, wins; in both cases only those whose event names no newer pipeline version), page by
 * page; the others go on waiting. Answers how many entries it resolved.
 */
export async function createWaitingTasks(tenantId: string, pipelineId: string, logger: Logger): Promise<number> {
  const plan = await planOf(tenantId, pipelineId);
  if (!plan) return 0;
  // Entries written before versions existed have none: any plan will do for them.
  const asOfPlan = typeof plan.version === 'number' ? { $or: [{ pipelineVersion: { $lte: plan.version } }, { pipelineVersion: { $exists: false } }] } : {};
  const resolvable = [{ kind: 'STAGE' as const, stageId: { $in: plan.stages.map((stage) => stage.id) }, ...asOfPlan }, { kind: 'WIN' as const, ...asOfPlan }];
  let resolved = 0;
  for (const filter of resolvable) {
    for (let round = 0; ; round += 1) {
      if (round === MAX_ROUNDS) throw new Error(`entries waiting for pipeline ${pipelineId} still to resolve after ${MAX_ROUNDS} pages`);
      const entries = await PlanWaitModel.find({ tenantId, pipelineId, waiting: true, ...filter }).limit(PAGE).lean<(PlanWaitDoc & { event: Envelope })[]>();
      for (const entry of entries) await resolve(entry, plan, logger);
      resolved += entries.length;
      if (entries.length < PAGE) break;
    }
  }
  return resolved;
}

/** The settled entries' clean-up: how long they are kept, how often it runs, the most it deletes per round. */
export interface PlanWaitCleanup {
  retentionDays: number;
  intervalMs: number;
  batch: number;
}

/** Past the retention, how many days back a round looks (a service down for a year leaves older days behind). */
const LOOKBACK_DAYS = 366;

/**
 * Deletes up to `batch` entries settled on a day at least `retentionDays` full days ago, by
 * `settledDay $in [those days]` (index `{settledDay}`; the local store has no TTL index and
 * serves no range from an index). An entry waiting again (a newer event replaced it) has no
 * `settledDay`: the delete, conditional on it, leaves it. Answers how many it found.
 *
 * What a settled entry still protects: a replay of an OLDER event of its deal (a stage entry it
 * superseded while waiting, a win before a reopening), which never made tasks and would make them
 * now. A replay of the settled event itself creates nothing twice without it: its tasks have
 * deterministic `sourceEventId`s under a unique index. So it is kept as long as such a replay can
 * come (PLAN_WAIT_RETENTION_DAYS, default 14, as the processed-event records), not forever.
 */
export async function deleteSettledPlanWaits(retentionDays: number, batch: number, now = new Date()): Promise<number> {
  const days = daysBefore(daysAgo(now, retentionDays), LOOKBACK_DAYS);
  const expired = await PlanWaitModel.find({ settledDay: { $in: days } }, { _id: 1 }).limit(batch).lean<Pick<PlanWaitDoc, '_id'>[]>();
  if (expired.length === 0) return 0;
  await PlanWaitModel.deleteMany({ _id: { $in: expired.map((entry) => entry._id) }, settledDay: { $in: days }, waiting: false });
  return expired.length;
}

/**
 * Entries settled before `settledDay` existed get today's, once per database (a marker in
 * `migrations`), so they expire as the others do. An empty collection (a new database) is only
 * marked. Through the driver: a one-off update that no index serves.
 */
export async function stampSettledBefore(now = new Date()): Promise<void> {
  const migrations = PlanWaitModel.db.collection<{ _id: string; at: Date }>('migrations');
  const _id = 'plan-waits-settled-day';
  if (await migrations.findOne({ _id })) return;
  if ((await PlanWaitModel.estimatedDocumentCount()) > 0) {
    await PlanWaitModel.collection.updateMany({ waiting: false, settledDay: { $exists: false } }, { $set: { settledDay: dayOf(now) } });
  }
  await migrations.updateOne({ _id }, { $set: { at: now } }, { upsert: true });
}

/** The clean-up as a background worker: first the one-off stamp, then every `intervalMs` (a full round runs the next at once). */
export function planWaitCleanupWorker(settings: PlanWaitCleanup, logger: Logger): BackgroundWorker {
  let stamped = false;
  return createPollingWorker({
    what: 'plan-wait clean-up',
    logger,
    intervalMs: settings.intervalMs,
    batch: settings.batch,
    poll: async () => {
      if (!stamped) {
        await stampSettledBefore();
        stamped = true;
      }
      return deleteSettledPlanWaits(settings.retentionDays, settings.batch);
    },
  });
}
