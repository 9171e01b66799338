import { dateTimeInput, listSize, parseInput } from '@crm/service-kit';
import { z } from 'zod';
import { figuresScope } from '../../figures-scope';
import type { ActivityFigures, Resolvers } from '../../generated/graphql';
import { dealMoney } from '../money/deal-money';
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
      // A team filter within the scope (requireFigures); the managers' rows within it, with or
      // without the filter (leaving it out must not show more people); the sums stay whole.
      const scope = await figuresScope(ctx, { teamId });
      const view = await managerActivity(ctx.tenantId, from, to, teamId ?? null);
      return scope.all ? view : { ...view, managers: view.managers.filter((row) => scope.person(row.userId)) };
    },
  },
  ManagerActivity: {
    managers: (view: ManagerActivityView, { first }) =>
      view.managers.slice(0, listSize(first, { default: 200, max: 1000 })).map(({ userId, ...figures }) => ({ userId, figures })),
  },
  ActivityFigures: {
    // Won deals' amounts of one manager (often one deal): the field right of Deal.amount (deal-money.ts); the counts stay.
    revenue: dealMoney((figures: ActivityFigures) => figures.revenue ?? null),
  },
};
