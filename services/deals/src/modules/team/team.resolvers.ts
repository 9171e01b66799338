import type { Resolvers } from '../../generated/graphql';

/** A reference to a team of the contacts directory, by key only. */
export interface TeamRef {
  id: string;
}

export const teamResolvers: Resolvers = {
  Deal: {
    team: (deal) => (deal.teamId ? { id: deal.teamId } : null),
  },
};
