import { requireFigures } from '@crm/policy';
import { notFound, requireId } from '@crm/service-kit';
import { funnelFrom, type AnalyticsContext } from '../../context';
import type { FunnelStage, Resolvers } from '../../generated/graphql';
import { dealMoney } from '../money/deal-money';
import { filteredFunnelCounters, type FunnelFilterInput } from './funnel.filter';
import type { FunnelView } from './funnel.model';
import { pipelineById } from './pipeline.model';

async function funnelOf(pipelineId: string, field: string, filter: FunnelFilterInput | null | undefined, ctx: AnalyticsContext) {
  requireId(pipelineId, field);
  await requireFigures(ctx, 'analytics', filter ?? {});
  // Without a filter: the pipeline's own counters (key lookups, batched). Tenant-scoped: another tenant's pipeline is simply not found.
  const funnel = filter
    ? await filteredFunnel(pipelineId, filter, ctx)
    : await ctx.loaders.funnelByPipeline.load(pipelineId);
  if (!funnel) throw notFound('Pipeline', pipelineId);
  return funnel;
}

async function filteredFunnel(pipelineId: string, filter: FunnelFilterInput, ctx: AnalyticsContext) {
  const [pipeline, { counts, money }, rates] = await Promise.all([
    pipelineById(ctx.tenantId, pipelineId),
    filteredFunnelCounters(ctx.tenantId, pipelineId, filter),
    ctx.loaders.rates(),
  ]);
  return funnelFrom(pipeline ?? undefined, counts, money, rates, []);
}

export const funnelResolvers: Resolvers = {
  Query: {
    funnel: (_parent, { pipelineId, filter }, ctx) => funnelOf(pipelineId, 'pipelineId', filter, ctx),
  },
  Pipeline: {
    // The deals service owns pipelines; here a reference only needs its id to find the funnel.
    __resolveReference: (reference) => reference,
    funnel: (pipeline, { filter }, ctx) => funnelOf(pipeline.id, 'id', filter, ctx),
  },
  Funnel: {
    bottleneck: (funnel) => funnel.stages.find((stage) => stage.stageId === funnel.bottleneckStageId) ?? null,
    // The sum of the deals' amounts: the field right of Deal.amount (deal-money.ts); the counts stay.
    totalMoney: dealMoney((funnel: FunnelView) => funnel.totalMoney),
  },
  FunnelStage: {
    money: dealMoney((stage: FunnelStage) => stage.money ?? null),
  },
};
