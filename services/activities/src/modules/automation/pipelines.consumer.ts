import { PipelineCreated, PipelineUpdated, type Envelope, type EventData } from '@crm/events';
import { isDuplicateKey, on } from '@crm/messaging';
import type { ConsumerSpec, Logger } from '@crm/service-kit';
import { PipelinePlanModel, planId } from './pipeline-plan.model';
import { createWaitingTasks } from './plan-waits';

export const PIPELINES_GROUP = 'activities.pipelines';

type PipelineData = EventData<typeof PipelineCreated> | EventData<typeof PipelineUpdated>;

/**
 * Keeps the pipeline's plan as of its latest event: the write matches only an older plan; a newer
 * one makes the upsert a duplicate key (no change). Older: of a lower pipeline version when the
 * event carries one (a plan without a version is older than any event with one: it came from
 * before deals sent versions); else by `occurredAt`. By version first, as deal events name the
 * version they wait for: two updates from deals replicas whose clocks differ must not leave the
 * plan behind it.
 */
async function keepPlan(data: PipelineData, event: Envelope) {
  const eventAt = new Date(event.occurredAt);
  const key = { _id: planId(event.tenantId, data.pipelineId), tenantId: event.tenantId, pipelineId: data.pipelineId };
  const plan = {
    stages: data.stages.map((stage) => ({ id: stage.id, keySteps: stage.keySteps, expectedDurationDays: stage.expectedDurationDays })),
    followUps: data.followUps,
    eventAt,
    version: data.pipelineVersion ?? null,
  };
  try {
    const older = data.pipelineVersion
      ? { $or: [{ version: { $lt: data.pipelineVersion } }, { version: null }, { version: { $exists: false } }] }
      : { eventAt: { $lt: eventAt } };
    await PipelinePlanModel.updateOne({ ...key, ...older }, { $set: plan }, { upsert: true });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

/** The plan as of its latest event, then the tasks of the deals' stage entries and wins that waited for it (plan-waits.ts). */
async function planCame(data: PipelineData, event: Envelope, logger: Logger) {
  await keepPlan(data, event);
  await createWaitingTasks(event.tenantId, data.pipelineId, logger);
}

export const pipelinesConsumer: ConsumerSpec = {
  groupId: PIPELINES_GROUP,
  handlers: [on(PipelineCreated, (data, event, { logger }) => planCame(data, event, logger)), on(PipelineUpdated, (data, event, { logger }) => planCame(data, event, logger))],
};
