import { PipelineCreated, PipelineUpdated, type Envelope, type EventData } from '@crm/events';
import { isDuplicateKey, on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { PipelinePlanModel, planId } from './pipeline-plan.model';

export const PIPELINES_GROUP = 'activities.pipelines';

type PipelineData = EventData<typeof PipelineCreated> | EventData<typeof PipelineUpdated>;

/** Keeps the pipeline's plan as of its latest event: the write matches only an older plan; a newer one makes the upsert a duplicate key (no change). */
async function keepPlan(data: PipelineData, event: Envelope) {
  const eventAt = new Date(event.occurredAt);
  const key = { _id: planId(event.tenantId, data.pipelineId), tenantId: event.tenantId, pipelineId: data.pipelineId };
  const plan = {
    stages: data.stages.map((stage) => ({ id: stage.id, keySteps: stage.keySteps, expectedDurationDays: stage.expectedDurationDays })),
    followUps: data.followUps,
    eventAt,
  };
  try {
    await PipelinePlanModel.updateOne({ ...key, eventAt: { $lt: eventAt } }, { $set: plan }, { upsert: true });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

export const pipelinesConsumer: ConsumerSpec = {
  groupId: PIPELINES_GROUP,
  handlers: [on(PipelineCreated, (data, event) => keepPlan(data, event)), on(PipelineUpdated, (data, event) => keepPlan(data, event))],
};
