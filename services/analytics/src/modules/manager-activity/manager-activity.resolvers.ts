import { requireFigures } from '@crm/policy';
import { dateTimeInput, listSize, parseInput } from '@crm/service-kit';
import { z } from 'zod';
import type { Resolvers } from '../../generated/graphql';
import { managerActivity, type ManagerActivityView } from './manager-activity';

const args = z.object({
  from: dateTimeInput('from'),
  to: dateTimeInput('to'),
  teamId: z.string().trim().min(1).max(64).nullish(),
});

export const managerActivityResolvers: Resolvers = {
  Query: {
    managerActivity: async (_parent, input, ctx) => {
      const { from, to, teamId } = parseInput(args, input);
      await requireFigures(ctx, 'analytics', { teamId });
      return managerActivity(ctx.tenantId, from, to, teamId ?? null);
    },
  },
  ManagerActivity: {
    managers: (view: ManagerActivityView, { first }) =>
      view.managers.slice(0, listSize(first, { default: 200, max: 1000 })).map(({ userId, ...figures }) => ({ userId, figures })),
  },
};
