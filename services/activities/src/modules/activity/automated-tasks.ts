import { DealStageChanged, DealWon, type Envelope, type EventData } from '@crm/events';
import { insertWithEvents, isDuplicateKey } from '@crm/messaging';
import type { Logger } from '@crm/service-kit';
import type { PipelinePlanDoc } from '../automation/pipeline-plan.model';
import { claimsFollow } from '../reminder/reminder.claims';
import { activityCreated } from './activity.events';
import { ActivityModel, type ActivityDoc } from './activity.model';
import { calendarFields, followUpDueAt, keyStepDueAt, stageTaskDueAt, stageTaskSubject } from './activity.rules';

export type StageEntered = Envelope<EventData<typeof DealStageChanged>>;
export type DealWonEvent = Envelope<EventData<typeof DealWon>>;
type PlannedStage = PipelinePlanDoc['stages'][number];

interface TaskFields {
  subject: string;
  dueAt: Date;
  /** Deterministic from the event: a redelivery hits the unique (tenantId, sourceEventId) index. */
  sourceEventId: string;
}

/** Inserts one automated task with its ActivityCreated event; false when this event already made it. */
async function insertTask(event: Envelope, deal: { dealId: string; ownerId: string; companyId?: string }, fields: TaskFields, logger: Logger): Promise<boolean> {
  const task = {
    tenantId: event.tenantId,
    kind: 'TASK',
    status: 'PLANNED',
    // The owner of every step's role: the deal's owner until the users directory (issue 10) knows who holds which role.
    assigneeId: deal.ownerId,
    dealId: deal.dealId,
    companyId: deal.companyId ?? null,
    ...fields,
  };
  // Inserted with its claims mark: its claims (TaskOverdue at the due time) follow, or the
  // scheduler's sweep writes them; a redelivery finding the task made syncs them again.
  try {
    await claimsFollow(await insertWithEvents(ActivityModel, { ...task, ...calendarFields({ ...task, userIds: [] }) }, (created) => activityCreated(created, event)), logger);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    logger.info({ dealId: deal.dealId, sourceEventId: fields.sourceEventId }, 'task already created for this event');
    const made = await ActivityModel.findOne({ tenantId: event.tenantId, sourceEventId: fields.sourceEventId }).lean<ActivityDoc>();
    if (made) await claimsFollow(made, logger);
    return false;
  }
  return true;
}

/**
 * Creates the stage task for a deal that entered a stage, with its ActivityCreated event in the
 * same insert. Returns false for a redelivery the unique (tenantId, sourceEventId) index already recorded.
 */
export function createStageTask(event: StageEntered, logger: Logger): Promise<boolean> {
  const { data } = event;
  const fields = { subject: stageTaskSubject(data.toStage.name, data.title), dueAt: stageTaskDueAt(new Date(event.occurredAt)), sourceEventId: event.id };
  return insertTask(event, data, fields, logger);
}

/**
 * One task per key step of the stage entered (as the plan defines it), due when the stage's
 * expected duration ends after the entry, however late the plan came. Returns how many were created now.
 */
export async function createKeyStepTasks(event: StageEntered, stage: PlannedStage, logger: Logger): Promise<number> {
  const { data } = event;
  let created = 0;
  for (const step of stage.keySteps ?? []) {
    const fields = {
      subject: `${step.title}: ${data.title}`,
      dueAt: keyStepDueAt(new Date(event.occurredAt), stage.expectedDurationDays),
      sourceEventId: `${event.id}:step:${step.id}`,
    };
    if (await insertTask(event, data, fields, logger)) created += 1;
  }
  return created;
}

/** The pipeline's post-sale follow-ups for a won deal, each due its days after the win. */
export async function scheduleFollowUps(event: DealWonEvent, plan: PipelinePlanDoc, logger: Logger): Promise<number> {
  const { data } = event;
  let created = 0;
  for (const [index, followUp] of (plan.followUps ?? []).entries()) {
    const fields = {
      subject: `${followUp.title}: ${data.title}`,
      dueAt: followUpDueAt(new Date(data.closedAt), followUp.afterDays),
      sourceEventId: `${event.id}:follow-up:${index}`,
    };
    if (await insertTask(event, data, fields, logger)) created += 1;
  }
  return created;
}
