import { hasRole } from '@crm/auth';
import { conflict, forbidden, parseInput } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import { pipelineCreated } from './pipeline.events';
import { createPipelineInput } from './pipeline.input';
import { PipelineModel, type PipelineDoc } from './pipeline.model';

export const pipelineResolvers: Resolvers = {
  Query: {
    pipelines: (_parent, _args, ctx) => PipelineModel.find({ tenantId: ctx.tenantId }).sort({ name: 1 }).lean<PipelineDoc[]>().exec(),
    pipeline: (_parent, { id }, ctx) => ctx.loaders.pipelineById.load(id),
  },
  Mutation: {
    createPipeline: async (_parent, { input }, ctx) => {
      // The funnel is the company's sales process: managers follow it, they do not define it.
      if (!hasRole(ctx.identity, 'admin', 'head_of_sales')) throw forbidden('only admins and heads of sales may create pipelines');
      const fields = parseInput(createPipelineInput, input);
      const pipeline = new PipelineModel({
        tenantId: ctx.tenantId,
        name: fields.name,
        stages: fields.stages.map((stage, position) => ({ ...stage, position })),
      });
      pipeline.outbox = [pipelineCreated(pipeline, ctx)];
      try {
        await pipeline.save();
      } catch (error) {
        if ((error as { code?: number }).code === 11000) throw conflict(`a pipeline named "${fields.name}" already exists`);
        throw error;
      }
      ctx.relay.kick();
      return pipeline.toObject();
    },
  },
  Pipeline: {
    __resolveReference: (reference, ctx) => ctx.loaders.pipelineById.load(reference.id),
    id: (pipeline) => pipeline._id.toString(),
  },
  Stage: {
    id: (stage) => stage._id.toString(),
  },
};
