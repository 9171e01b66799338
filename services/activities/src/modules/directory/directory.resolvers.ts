import type { Resolvers } from '../../generated/graphql';
import { hoursOf } from '../calendar/calendar.resolvers';

/** A directory user by key (the token subject): ids name a person within the caller's tenant. */
export interface UserRef {
  id: string;
}

export const directoryResolvers: Resolvers = {
  Activity: {
    assignee: (activity) => ({ id: activity.assigneeId }),
  },
  User: {
    // A user id means a person of the caller's tenant: the working hours read are always the tenant's.
    __resolveReference: (reference) => ({ id: reference.id }),
    workingHours: (user, _args, ctx) => hoursOf(ctx.tenantId, user.id),
  },
};
