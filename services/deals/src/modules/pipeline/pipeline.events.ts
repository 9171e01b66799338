import { createEvent, PipelineCreated } from '@crm/events';
import type { DealsContext } from '../../context';
import { stageRef, type PipelineDoc } from './pipeline.model';

export const pipelineCreated = (pipeline: PipelineDoc, ctx: DealsContext) =>
  createEvent(
    PipelineCreated,
    { tenantId: ctx.tenantId, aggregateId: pipeline._id.toString(), correlationId: ctx.correlationId, actorId: ctx.userId },
    {
      pipelineId: pipeline._id.toString(),
      name: pipeline.name,
      stages: pipeline.stages.map((stage) => ({ ...stageRef(stage), probability: stage.probability })),
    },
  );
