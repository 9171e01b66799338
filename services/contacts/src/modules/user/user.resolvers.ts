import { hasRole } from '@crm/auth';
import { updateWithEvents } from '@crm/messaging';
import { badInput, conflict, forbidden, listSize, notFound, parseInput, requireUserId, type ListBound } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import type { ContactsContext } from '../../context';
import { listPage } from '../list-filter/list-page';
import { ListOrder } from '../list-filter/order';
import { nameKey } from '../shared/name-key';
import type { TeamDoc } from '../team/team.model';
import { rankSpecialists } from './specialists';
import { userChanged } from './user.events';
import { specialistsSchema, updateUserSchema, userFilterSchema } from './user.input';
import { UserModel, type UserDoc } from './user.model';

/** findSpecialists: as in user.graphql; each criterion reads at most CANDIDATES_PER_CRITERION people. */
export const SPECIALISTS: ListBound = { default: 10, max: 50 };
const CANDIDATES_PER_CRITERION = 500;
const MAX_ATTEMPTS = 5;

const BY_NAME = ListOrder.of([{ field: 'NAME', direction: 'ASC' }], { NAME: { name: 'name', path: 'nameKey', type: 'string' } });
const escapeRegex = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The store filter of `users(filter)`: equalities (indexed, see README.md) and the search as a prefix. */
function userFilter(raw: unknown): Record<string, unknown> {
  const filter = parseInput(userFilterSchema, raw) ?? {};
  const prefix = filter.search ? `^${escapeRegex(filter.search.toLowerCase())}` : null;
  return {
    ...(filter.teamId && { teamIds: filter.teamId }),
    ...(filter.role && { roles: filter.role }),
    ...(filter.language && { languages: filter.language }),
    ...(filter.product && { products: filter.product }),
    ...(filter.industry && { industries: filter.industry }),
    ...(filter.active != null && { active: filter.active }),
    ...(prefix && { $or: [{ nameKey: { $regex: prefix } }, { email: { $regex: prefix } }] }),
  };
}

async function specialists(args: unknown, ctx: ContactsContext) {
  const criteria = parseInput(specialistsSchema, args);
  const size = listSize((args as { first?: number | null }).first, SPECIALISTS);
  // One indexed equality per criterion (an $or would not reach the local store's indexes).
  const reads: Record<string, string>[] = [];
  if (criteria.product) reads.push({ products: criteria.product });
  if (criteria.industry) reads.push({ industries: criteria.industry });
  if (criteria.language) reads.push({ languages: criteria.language });
  const found = await Promise.all(reads.map((part) => UserModel.find({ tenantId: ctx.tenantId, ...part, active: true }).limit(CANDIDATES_PER_CRITERION).lean<UserDoc[]>().exec()));
  return rankSpecialists(found.flat(), criteria, size);
}

async function updateUser(id: string, input: unknown, ctx: ContactsContext): Promise<UserDoc> {
  if (!hasRole(ctx.identity, 'admin')) throw forbidden('only admins may edit the directory');
  const userId = requireUserId(id.trim(), 'id');
  const fields = parseInput(updateUserSchema, input);
  // A deactivated user may do nothing, at once in every service: an admin who deactivated
  // themselves would be locked out, and this very answer's other subgraphs would refuse it.
  if (fields.active === false && userId === ctx.userId) throw badInput('you cannot deactivate your own account; another admin can', 'input.active');
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const before = await UserModel.findOne({ tenantId: ctx.tenantId, userId }).lean<UserDoc>().exec();
    if (!before) throw notFound('User', userId);
    const set: Partial<UserDoc> = {};
    for (const [field, value] of Object.entries(fields)) if (value !== undefined) (set as Record<string, unknown>)[field] = value;
    if (Object.keys(set).length === 0) return before; // nothing to change: no write, no event
    const after = { ...before, ...set };
    after.nameKey = nameKey(after.name ?? after.userId);
    after.revision = before.revision + 1;
    const change = before.active && !after.active ? 'DEACTIVATED' : 'UPDATED';
    const updated = await updateWithEvents(
      UserModel,
      { tenantId: ctx.tenantId, userId, revision: before.revision },
      { $set: { ...set, nameKey: after.nameKey }, $inc: { revision: 1 } },
      userChanged(ctx, after, change),
    );
    if (updated) return updated;
  }
  throw conflict(`user ${userId} is being changed by others at the same time; try again`, { existingId: userId });
}

export const userResolvers: Resolvers = {
  Query: {
    users: (_parent, { filter, first, after }, ctx) => listPage(UserModel, { tenantId: ctx.tenantId, filter: userFilter(filter), order: BY_NAME, first, after }),
    user: (_parent, { id }, ctx) => ctx.loaders.userById.load(requireUserId(id.trim(), 'id')),
    me: (_parent, _args, ctx) => ctx.loaders.userById.load(ctx.userId),
    findSpecialists: (_parent, args, ctx) => specialists(args, ctx),
  },
  Mutation: {
    updateUser: (_parent, { id, input }, ctx) => updateUser(id, input, ctx),
  },
  UserConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
  User: {
    __resolveReference: (reference, ctx) => ctx.loaders.userById.load(reference.id),
    id: (user) => user.userId,
    teamIds: (user) => user.teamIds ?? [],
    teams: async (user, _args, ctx) => (await ctx.loaders.teamById.loadMany(user.teamIds ?? [])).filter((team): team is TeamDoc => team !== null && !(team instanceof Error)),
    expertise: (user) => ({ products: user.products ?? [], industries: user.industries ?? [] }),
  },
};
