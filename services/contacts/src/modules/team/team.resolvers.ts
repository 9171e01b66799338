import { hasRole } from '@crm/auth';
import { forbidden, isId, requireId, requireUserId } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import type { ContactsContext } from '../../context';
import { listPage } from '../list-filter/list-page';
import { ListOrder } from '../list-filter/order';
import type { TerritoryDoc } from '../territory/territory.model';
import type { UserDoc } from '../user/user.model';
import { TeamModel } from './team.model';
import { addTeamMember, createTeam, deleteTeam, removeTeamMember, updateTeam } from './team.write';

const BY_NAME = ListOrder.of([{ field: 'NAME', direction: 'ASC' }], { NAME: { name: 'name', path: 'name', type: 'string' } });

/**
 * Who is in a team, and who leads it, decides TEAM row scopes (@crm/policy): only admins create
 * and delete teams and change their members and lead. A head of sales changes the rest of the
 * teams they lead (team.write.ts, updateTeam).
 */
function requireAdmin(ctx: ContactsContext, what: string): ContactsContext {
  if (!hasRole(ctx.identity, 'admin')) throw forbidden(`only admins may ${what}`);
  return ctx;
}

function mayUpdate(ctx: ContactsContext): ContactsContext {
  if (!hasRole(ctx.identity, 'admin', 'head_of_sales')) throw forbidden('only admins and heads of sales may manage teams');
  return ctx;
}

const found = <T>(rows: (T | null | Error)[]): T[] => rows.filter((row): row is T => row !== null && !(row instanceof Error));

export const teamResolvers: Resolvers = {
  Query: {
    teams: (_parent, { first, after }, ctx) => listPage(TeamModel, { tenantId: ctx.tenantId, filter: { deleted: false }, order: BY_NAME, first, after }),
    team: (_parent, { id }, ctx) => ctx.loaders.teamById.load(requireId(id, 'id')),
  },
  Mutation: {
    createTeam: (_parent, { input }, ctx) => createTeam(requireAdmin(ctx, 'create teams'), input),
    updateTeam: (_parent, { id, input, expectedRevision }, ctx) => updateTeam(mayUpdate(ctx), id, input, expectedRevision),
    addTeamMember: (_parent, { teamId, userId }, ctx) =>
      addTeamMember(requireAdmin(ctx, "change a team's members"), requireId(teamId, 'teamId'), requireUserId(userId.trim(), 'userId')),
    removeTeamMember: (_parent, { teamId, userId }, ctx) =>
      removeTeamMember(requireAdmin(ctx, "change a team's members"), requireId(teamId, 'teamId'), requireUserId(userId.trim(), 'userId')),
    deleteTeam: (_parent, { id }, ctx) => deleteTeam(requireAdmin(ctx, 'delete teams'), id),
  },
  TeamConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
  Team: {
    __resolveReference: (reference, ctx) => ctx.loaders.teamById.load(reference.id),
    id: (team) => team._id.toString(),
    lead: (team, _args, ctx) => (team.leadId ? ctx.loaders.userById.load(team.leadId) : null),
    members: async (team, _args, ctx) => found<UserDoc>(await ctx.loaders.userById.loadMany(team.memberIds)),
    territories: async (team, _args, ctx) => found<TerritoryDoc>(await ctx.loaders.territoryById.loadMany(team.territoryIds)),
  },
  Company: {
    team: (company, _args, ctx) => (isId(company.teamId) ? ctx.loaders.teamById.load(company.teamId) : null),
  },
};
