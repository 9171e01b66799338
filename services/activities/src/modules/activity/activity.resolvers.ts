import { parseInput, requireId } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import { activityCreated } from './activity.events';
import { createActivityInput } from './activity.input';
import { ActivityModel, type ActivityDoc } from './activity.model';
import { ACTIVITY_LIMIT, isOverdue, LATEST_DUE_FIRST } from './activity.rules';

export const activityResolvers: Resolvers = {
  Query: {
    activity: (_parent, { id }, ctx) => ctx.loaders.activityById.load(id),
    activities: (_parent, { dealId, assigneeId }, ctx) => {
      const filter: Record<string, unknown> = { tenantId: ctx.tenantId };
      if (dealId) filter.dealId = requireId(dealId, 'dealId');
      if (assigneeId) filter.assigneeId = assigneeId;
      return ActivityModel.find(filter).sort(LATEST_DUE_FIRST).limit(ACTIVITY_LIMIT).lean<ActivityDoc[]>().exec();
    },
  },
  Mutation: {
    createActivity: async (_parent, { input }, ctx) => {
      const fields = parseInput(createActivityInput, input);
      // The deal lives in the deals subgraph: only its id's shape is checked here.
      if (fields.dealId) requireId(fields.dealId, 'dealId');
      const activity = new ActivityModel({ ...fields, assigneeId: fields.assigneeId ?? ctx.userId, status: 'PLANNED', tenantId: ctx.tenantId });
      activity.outbox = [activityCreated(activity, { correlationId: ctx.correlationId, actorId: ctx.userId })];
      await activity.save();
      ctx.relay.kick();
      return activity.toObject();
    },
  },
  Activity: {
    __resolveReference: (reference, ctx) => ctx.loaders.activityById.load(reference.id),
    id: (activity) => activity._id.toString(),
    deal: (activity) => (activity.dealId ? { __typename: 'Deal', id: activity.dealId } : null),
    overdue: (activity) => isOverdue(activity),
  },
  Deal: {
    // Any deal id is a valid reference here; its activities are filtered by the caller's tenant.
    __resolveReference: (reference) => ({ id: reference.id }),
    activities: (deal, _args, ctx) => ctx.loaders.activitiesByDeal.load(deal.id),
  },
};
