import { DealReopened, type Envelope, type EventData } from '@crm/events';
import { isDuplicateKey } from '@crm/messaging';
import type { Logger } from '@crm/service-kit';
import { createKeyStepTasks, scheduleFollowUps, type DealWonEvent, type StageEntered } from '../activity/automated-tasks';
import { PipelinePlanModel, planId, type PipelinePlanDoc } from './pipeline-plan.model';
import { PlanWaitModel, planWaitId, planWaitKinds, type PlanWaitDoc } from './plan-wait.model';

/** Waiting entries read per page when a plan comes, and pages before the handler fails (and is retried): 100,000. */
const PAGE = 100;
const MAX_ROUNDS = 1_000;

type Entry = Pick<PlanWaitDoc, 'kind' | 'tenantId' | 'dealId' | 'pipelineId' | 'stageId' | 'at'> & { event: Envelope };

const planOf = (tenantId: string, pipelineId: string) => PipelinePlanModel.findOne({ _id: planId(tenantId, pipelineId) }).lean<PipelinePlanDoc>();
const idOf = (entry: Pick<Entry, 'tenantId' | 'dealId' | 'kind'>) => planWaitId(entry.tenantId, entry.dealId, entry.kind);

/** Makes the entry's tasks from the plan (deterministic ids: again, nothing twice); false while the plan does not know its stage. */
async function makeTasks(entry: Entry, plan: PipelinePlanDoc, logger: Logger): Promise<boolean> {
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
  await PlanWaitModel.updateOne({ _id: idOf(entry), at: entry.at, waiting: true }, { $set: { waiting: false, event: null } });
}

/**
 * Records the entry as the deal's latest of its kind, waiting; answers whether it wrote it. An
 * entry as new or newer is kept (the upsert is then a duplicate key): this one is a copy or stale.
 */
async function wait(entry: Entry): Promise<boolean> {
  try {
    await PlanWaitModel.updateOne({ _id: idOf(entry), at: { $lt: entry.at } }, { $set: { ...entry, waiting: true } }, { upsert: true });
    return true;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return false;
  }
}

/**
 * A stage entry's key steps or a win's follow-ups now, when the plan has what they need; else
 * the entry waits for the plan (createWaitingTasks). One look-up by key besides the plan's.
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
      await PlanWaitModel.updateOne({ _id: known._id, at: { $lte: entry.at } }, { $set: { at: entry.at, waiting: false, event: null } });
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
    { kind: 'STAGE', tenantId: event.tenantId, dealId: event.data.dealId, pipelineId: event.data.pipelineId, stageId: event.data.toStage.id, at: new Date(event.occurredAt), event },
    logger,
  );

/** DealWon: the pipeline's follow-ups, now or when its plan comes. */
export const followUpsOrWait = (event: DealWonEvent, logger: Logger) =>
  tasksOrWait(
    { kind: 'WIN', tenantId: event.tenantId, dealId: event.data.dealId, pipelineId: event.data.pipelineId, stageId: event.data.stage.id, at: new Date(event.occurredAt), event },
    logger,
  );

/** DealReopened: the deal left its won or lost stage and is no longer won, so what waited for either gets no tasks. */
export async function settleOnReopen(event: Envelope<EventData<typeof DealReopened>>): Promise<void> {
  const at = new Date(event.occurredAt);
  const ids = planWaitKinds.map((kind) => planWaitId(event.tenantId, event.data.dealId, kind));
  await PlanWaitModel.updateMany({ _id: { $in: ids }, at: { $lt: at } }, { $set: { at, waiting: false, event: null } });
}

/**
 * A pipeline's plan was stored: the tasks of what waited for it (stage entries whose stage it
 * knows, wins), page by page; entries for a stage it still lacks go on waiting. Answers how many
 * entries it resolved.
 */
export async function createWaitingTasks(tenantId: string, pipelineId: string, logger: Logger): Promise<number> {
  const plan = await planOf(tenantId, pipelineId);
  if (!plan) return 0;
  const resolvable = [{ kind: 'STAGE' as const, stageId: { $in: plan.stages.map((stage) => stage.id) } }, { kind: 'WIN' as const }];
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
