import type { BaseContext } from '@crm/service-kit';
import DataLoader from 'dataloader';
import { FunnelModel, funnelId, type FunnelDoc } from './modules/funnel/funnel.model';

export interface AnalyticsContext extends BaseContext {
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(tenantId: string) {
  return {
    // The gateway repeats entity keys within one query: batch and de-duplicate them.
    funnelByPipeline: new DataLoader<string, FunnelDoc | null>(async (pipelineIds) => {
      const ids = [...new Set(pipelineIds)].map((pipelineId) => funnelId(tenantId, pipelineId));
      const rows = await FunnelModel.find({ tenantId, _id: { $in: ids } }).lean<FunnelDoc[]>();
      const byPipeline = new Map(rows.map((row) => [row.pipelineId, row]));
      return pipelineIds.map((pipelineId) => byPipeline.get(pipelineId) ?? null);
    }),
  };
}

export const createContext = (base: BaseContext): AnalyticsContext => ({ ...base, loaders: createLoaders(base.tenantId) });
