import { DealStageChanged, topics, type Envelope } from '@crm/events';
import { PermanentEventError } from '@crm/messaging';
import type { ConsumerSpec, Logger } from '@crm/service-kit';
import { activityCreated } from './activity.events';
import { ActivityModel } from './activity.model';
import { stageTaskDueAt, stageTaskSubject } from './activity.rules';

export const DEAL_STAGE_TASKS_GROUP = 'activities.deal-stage-tasks';

/**
 * Creates the key-step task for a deal that entered a stage, with its ActivityCreated
 * event in the same insert. Returns false for a redelivery the unique
 * (tenantId, sourceEventId) index already recorded.
 */
export async function createStageTask(event: Envelope, logger: Logger): Promise<boolean> {
  const parsed = DealStageChanged.data.safeParse(event.data);
  if (!parsed.success) throw new PermanentEventError(`invalid DealStageChanged data: ${parsed.error.message}`);
  const data = parsed.data;
  const task = new ActivityModel({
    tenantId: event.tenantId,
    kind: 'TASK',
    subject: stageTaskSubject(data.toStage.name, data.title),
    status: 'PLANNED',
    dueAt: stageTaskDueAt(new Date(event.occurredAt)),
    assigneeId: data.ownerId,
    dealId: data.dealId,
    sourceEventId: event.id,
  });
  task.outbox = [activityCreated(task, { correlationId: event.correlationId, causationId: event.id, actorId: data.movedBy })];
  try {
    await task.save();
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) throw error;
    logger.info({ dealId: data.dealId }, 'stage task already created for this event');
    return false;
  }
  return true;
}

export const dealStageTasksConsumer: ConsumerSpec = {
  groupId: DEAL_STAGE_TASKS_GROUP,
  topics: [topics.deal],
  handlers: {
    DealStageChanged: async (event, logger) => {
      await createStageTask(event, logger);
    },
  },
};
