import { notFound, requireId } from '@crm/service-kit';
import type { AnalyticsContext } from '../../context';
import type { Resolvers } from '../../generated/graphql';

async function funnelOf(pipelineId: string, field: string, ctx: AnalyticsContext) {
  requireId(pipelineId, field);
  // Tenant-scoped key lookup: another tenant's pipeline is simply not found.
  const funnel = await ctx.loaders.funnelByPipeline.load(pipelineId);
  if (!funnel) throw notFound('Pipeline', pipelineId);
  return funnel;
}

export const funnelResolvers: Resolvers = {
  Query: {
    funnel: (_parent, { pipelineId }, ctx) => funnelOf(pipelineId, 'pipelineId', ctx),
  },
  Pipeline: {
    // The deals service owns pipelines; here a reference only needs its id to find the funnel.
    __resolveReference: (reference) => reference,
    funnel: (pipeline, _args, ctx) => funnelOf(pipeline.id, 'id', ctx),
  },
  Funnel: {
    bottleneck: (funnel) => funnel.stages.find((stage) => stage.stageId === funnel.bottleneckStageId) ?? null,
  },
};
