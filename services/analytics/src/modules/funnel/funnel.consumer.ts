import { DealCreated, DealStageChanged, PipelineCreated, topics, type Envelope, type EventData, type EventDefinition } from '@crm/events';
import { PermanentEventError } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { recordProgress, savePipeline } from './funnel.projection';

/** parseEvent validates data only for versions it knows: a handler takes exactly the version it was written for. */
function payloadOf<D extends EventDefinition>(def: D, event: Envelope): EventData<D> {
  if (event.version !== def.version) throw new PermanentEventError(`${event.type} v${event.version} is not supported (expects v${def.version})`);
  return event.data as EventData<D>;
}

export const funnelConsumer: ConsumerSpec = {
  groupId: 'analytics.funnel',
  topics: [topics.pipeline, topics.deal],
  handlers: {
    [PipelineCreated.type]: async (event) => {
      const { pipelineId, name, stages } = payloadOf(PipelineCreated, event);
      // Probabilities are the forecast's business, not the funnel's.
      await savePipeline(event.tenantId, pipelineId, name, stages.map((stage) => ({ id: stage.id, name: stage.name, position: stage.position })));
    },
    [DealCreated.type]: async (event) => {
      const { dealId, pipelineId, stage } = payloadOf(DealCreated, event);
      await recordProgress(event.tenantId, dealId, pipelineId, stage.position, true);
    },
    [DealStageChanged.type]: async (event) => {
      const { dealId, pipelineId, toStage } = payloadOf(DealStageChanged, event);
      await recordProgress(event.tenantId, dealId, pipelineId, toStage.position);
    },
  },
};
