import type { BaseContext } from '@crm/service-kit';
import DataLoader from 'dataloader';
import { positionCounts } from './modules/funnel/funnel.counts';
import { computeFunnel } from './modules/funnel/funnel.math';
import { FunnelCountsModel, funnelId, type FunnelCountsDoc, type FunnelView } from './modules/funnel/funnel.model';
import { PipelineModel, type PipelineDoc } from './modules/funnel/pipeline.model';

export interface AnalyticsContext extends BaseContext {
  loaders: ReturnType<typeof createLoaders>;
}

/** The funnel of a pipeline from its stages and its counters; null until PipelineCreated is known. */
export function funnelView(pipeline: PipelineDoc | undefined, counters: FunnelCountsDoc | undefined): FunnelView | null {
  if (!pipeline) return null;
  const updatedAt = [pipeline.updatedAt, counters?.updatedAt].filter((date): date is Date => date instanceof Date).sort((a, b) => b.getTime() - a.getTime())[0];
  return {
    pipelineId: pipeline._id,
    pipelineName: pipeline.name,
    updatedAt: updatedAt ?? new Date(0),
    ...computeFunnel(pipeline.stages, positionCounts(counters?.counts)),
  };
}

function createLoaders(tenantId: string) {
  return {
    // The gateway repeats entity keys within one query: batch and de-duplicate them.
    // Two key lookups per batch (pipelines and their counters), in parallel.
    funnelByPipeline: new DataLoader<string, FunnelView | null>(async (pipelineIds) => {
      const unique = [...new Set(pipelineIds)];
      const [pipelines, counters] = await Promise.all([
        PipelineModel.find({ tenantId, _id: { $in: unique } }).lean<PipelineDoc[]>(),
        FunnelCountsModel.find({ tenantId, _id: { $in: unique.map((pipelineId) => funnelId(tenantId, pipelineId)) } }).lean<FunnelCountsDoc[]>(),
      ]);
      const pipelineById = new Map(pipelines.map((row) => [row._id, row]));
      const countersById = new Map(counters.map((row) => [row.pipelineId, row]));
      return pipelineIds.map((pipelineId) => funnelView(pipelineById.get(pipelineId), countersById.get(pipelineId)));
    }),
  };
}

export const createContext = (base: BaseContext): AnalyticsContext => ({ ...base, loaders: createLoaders(base.tenantId) });
