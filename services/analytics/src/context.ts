import { requestAccess, type HasAccess } from '@crm/policy';
import type { BaseContext } from '@crm/service-kit';
import DataLoader from 'dataloader';
import { CounterModel, counterId, type CounterDoc } from './modules/deal-facts/counter.model';
import { positionCounts } from './modules/funnel/funnel.counts';
import { computeFunnel, type PositionCount } from './modules/funnel/funnel.math';
import { FunnelCountsModel, funnelId, type FunnelCountsDoc, type FunnelView } from './modules/funnel/funnel.model';
import { addFunnelCounters, reachedMoney, type MoneyByPosition } from './modules/funnel/funnel.money';
import { pipelinesByIds, type PipelineDoc } from './modules/funnel/pipeline.model';
import { amountsOf, convertAll, DEFAULT_CURRENCY, type Rates } from './modules/money/money.math';
import { ratesOf } from './modules/money/money.service';

export interface AnalyticsContext extends BaseContext, HasAccess {
  loaders: ReturnType<typeof createLoaders>;
  /** Campaigns whose stats this request computed so far: at most MAX_STATS_PER_REQUEST (campaign.resolvers.ts). */
  campaignStatsRead: number;
}

const noRates: Rates = { currency: DEFAULT_CURRENCY, rates: {} };

/** The funnel of a pipeline from its stages, its deal counts and their money; null until PipelineCreated is known. */
export function funnelFrom(pipeline: PipelineDoc | undefined, counts: PositionCount[], money: MoneyByPosition, rates: Rates, dates: (Date | undefined)[]): FunnelView | null {
  if (!pipeline) return null;
  const updatedAt = [pipeline.updatedAt, ...dates].filter((date): date is Date => date instanceof Date).sort((a, b) => b.getTime() - a.getTime())[0];
  const figures = computeFunnel(pipeline.stages, counts);
  return {
    pipelineId: pipeline._id,
    pipelineName: pipeline.name,
    updatedAt: updatedAt ?? new Date(0),
    ...figures,
    stages: figures.stages.map((stage) => ({ ...stage, money: convertAll(rates, amountsOf(reachedMoney(money, stage.position))) })),
    totalMoney: convertAll(rates, amountsOf(reachedMoney(money, -1))),
  };
}

/** The unfiltered funnel: deal counts from the pipeline's counters, money from the all-time counters of the deal facts. */
export function funnelView(pipeline: PipelineDoc | undefined, counters: FunnelCountsDoc | undefined, moneyCounters?: CounterDoc, rates: Rates = noRates): FunnelView | null {
  const money: MoneyByPosition = new Map();
  addFunnelCounters(new Map(), money, moneyCounters?.c);
  return funnelFrom(pipeline, positionCounts(counters?.counts), money, rates, [counters?.updatedAt]);
}

/** The all-time funnel counters of a pipeline's deal facts. */
export const allTimeFunnelId = (tenantId: string, pipelineId: string) => counterId(tenantId, { kind: 'funnel', pipelineId, dim: '*', value: '*', month: '*' });

function createLoaders(tenantId: string) {
  let rates: Promise<Rates> | undefined;
  return {
    /** The tenant's currency and rates, read once per request. */
    rates: () => (rates ??= ratesOf(tenantId)),
    // The gateway repeats entity keys within one query: batch and de-duplicate them.
    // Key lookups per batch (pipelines, their counters, their money counters, the rates), in parallel.
    funnelByPipeline: new DataLoader<string, FunnelView | null>(async (pipelineIds) => {
      const unique = [...new Set(pipelineIds)];
      const [pipelines, counters, moneyCounters, tenantRates] = await Promise.all([
        pipelinesByIds(tenantId, unique),
        // The counters only, here and below: `applied` holds the tokens of the pipeline's last moves (deal-facts/counter-fence.ts).
        FunnelCountsModel.find({ tenantId, _id: { $in: unique.map((pipelineId) => funnelId(tenantId, pipelineId)) } }, { pipelineId: 1, counts: 1, updatedAt: 1 }).lean<FunnelCountsDoc[]>(),
        CounterModel.find({ tenantId, _id: { $in: unique.map((pipelineId) => allTimeFunnelId(tenantId, pipelineId)) } }, { pipelineId: 1, c: 1 }).lean<CounterDoc[]>(),
        (rates ??= ratesOf(tenantId)),
      ]);
      const countersById = new Map(counters.map((row) => [row.pipelineId, row]));
      const moneyById = new Map(moneyCounters.map((row) => [row.pipelineId, row]));
      return pipelineIds.map((pipelineId) => funnelView(pipelines.get(pipelineId) ?? undefined, countersById.get(pipelineId), moneyById.get(pipelineId), tenantRates));
    }),
  };
}

/** The caller's access is loaded first (requestAccess: a deactivated user is refused every request). */
export const createContext = async (base: BaseContext): Promise<AnalyticsContext> => ({ ...base, access: await requestAccess(base.identity), loaders: createLoaders(base.tenantId), campaignStatsRead: 0 });
