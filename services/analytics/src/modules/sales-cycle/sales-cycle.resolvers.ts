import { notFound, requireId } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import { asDate } from '../deal-facts/months';
import { pipelineById } from '../funnel/pipeline.model';
import { checkPeriod, salesCycleOf } from './sales-cycle.query';

export const salesCycleResolvers: Resolvers = {
  Query: {
    salesCycle: async (_parent, { pipelineId, from, to }, ctx) => {
      requireId(pipelineId, 'pipelineId');
      const period = { from: asDate(from, 'from'), to: asDate(to, 'to') };
      checkPeriod(period.from, period.to);
      const pipeline = await pipelineById(ctx.tenantId, pipelineId);
      if (!pipeline) throw notFound('Pipeline', pipelineId);
      return salesCycleOf(ctx.tenantId, pipeline, period.from, period.to);
    },
  },
};
