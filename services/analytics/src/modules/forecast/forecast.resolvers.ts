import { parseInput } from '@crm/service-kit';
import { z } from 'zod';
import type { Forecast, ForecastMonth, Resolvers } from '../../generated/graphql';
import { CounterModel, type CounterDoc } from '../deal-facts/counter.model';
import { pipelinesByIds, type PipelineDoc } from '../funnel/pipeline.model';
import { dealMoney } from '../money/deal-money';
import { computeForecast, monthsFrom, type StageMonth } from './forecast.math';

const forecastInput = z.object({
  fromMonth: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM'),
  months: z.number().int().min(1, 'must be from 1 to 36').max(36, 'must be from 1 to 36').nullish(),
});

export const forecastResolvers: Resolvers = {
  Query: {
    forecast: async (_parent, args, ctx) => {
      const input = parseInput(forecastInput, args);
      const months = monthsFrom(input.fromMonth, input.months ?? 3);
      // Per month and stage: as many documents as stages with open deals, whatever the number of deals.
      const [docs, rates] = await Promise.all([
        CounterModel.find({ tenantId: ctx.tenantId, kind: 'forecast', dim: 'stage', month: { $in: months } }, { pipelineId: 1, value: 1, month: 1, c: 1 }).lean<CounterDoc[]>(),
        ctx.loaders.rates(),
      ]);
      const pipelineIds = [...new Set(docs.map((doc) => doc.pipelineId))];
      const pipelines = [...(await pipelinesByIds(ctx.tenantId, pipelineIds)).values()].filter((pipeline): pipeline is PipelineDoc => pipeline !== null);
      const probabilities = new Map(pipelines.flatMap((pipeline) => pipeline.stages.map((stage) => [`${pipeline._id}:${stage.id}`, stage.probability ?? 0])));
      const rows: StageMonth[] = docs.map((doc) => ({
        month: doc.month,
        pipelineId: doc.pipelineId,
        stageId: doc.value,
        deals: typeof doc.c.n === 'number' ? doc.c.n : 0,
        amounts: (doc.c.amt ?? {}) as Record<string, number>,
      }));
      return { fromMonth: input.fromMonth, ...computeForecast(months, rows, (pipelineId, stageId) => probabilities.get(`${pipelineId}:${stageId}`) ?? 0, rates) };
    },
  },
  // Open deals' amounts, plain and weighted: the field right of Deal.amount (deal-money.ts); the deal counts stay.
  Forecast: {
    amount: dealMoney((forecast: Forecast) => forecast.amount ?? null),
    weighted: dealMoney((forecast: Forecast) => forecast.weighted ?? null),
  },
  ForecastMonth: {
    amount: dealMoney((month: ForecastMonth) => month.amount ?? null),
    weighted: dealMoney((month: ForecastMonth) => month.weighted ?? null),
  },
};
