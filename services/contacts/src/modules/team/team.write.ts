import { hasRole } from '@crm/auth';
import { insertWithEvents, updateWithEvents } from '@crm/messaging';
import { badInput, conflict, forbidden, notFound, parseInput, requireId } from '@crm/service-kit';
import { Types } from 'mongoose';
import type { ContactsContext } from '../../context';
import { CompanyModel } from '../company/company.model';
import { TerritoryModel } from '../territory/territory.model';
import { UserModel, type UserDoc } from '../user/user.model';
import { teamChanged, type TeamChange } from './team.events';
import { createTeamSchema, MAX_TEAMS_PER_USER, TEAM_LIMITS, updateTeamSchema, type TeamFields } from './team.input';
import { syncTeamMembers } from './team-members';
import { TeamModel, type TeamDoc } from './team.model';

/**
 * The team's write paths. No transactions: the team is written first, with its TeamChanged and
 * the membership moves still to do (`joiningMemberIds`, `leavingMemberIds`, `membersPending`),
 * in one atomic write; then the users' `teamIds` follow (team-members.ts), each move idempotent,
 * resumed at start-up after a crash (modules/team/README.md).
 */

const MAX_ATTEMPTS = 5;
const LEAD_ROLE = 'head_of_sales';

/** BAD_USER_INPUT naming the first id the tenant does not have. */
function requireAll(wanted: string[], found: Set<string>, field: string, what: string): void {
  wanted.forEach((id, i) => {
    if (!found.has(id)) throw badInput(`${what} ${id} is not in the tenant's ${what === 'user' ? 'directory' : `${what}s`}`, `${field}.${i}`);
  });
}

/**
 * Members and lead are directory users of the tenant, the lead a head of sales; a member joining
 * (not yet in `teamId`) is in fewer than MAX_TEAMS_PER_USER teams; territories and key companies exist.
 */
async function checkReferences(tenantId: string, fields: Partial<TeamFields>, teamId?: string): Promise<void> {
  const userIds = [...new Set([...(fields.memberIds ?? []), ...(fields.leadId ? [fields.leadId] : [])])];
  const [users, territories, companies] = await Promise.all([
    userIds.length
      ? UserModel.find({ tenantId, userId: { $in: userIds } }).select({ userId: 1, roles: 1, teamIds: 1 }).lean<Pick<UserDoc, 'userId' | 'roles' | 'teamIds'>[]>().exec()
      : [],
    fields.territoryIds?.length ? TerritoryModel.find({ tenantId, _id: { $in: fields.territoryIds } }).select({ _id: 1 }).lean().exec() : [],
    fields.keyCompanyIds?.length ? CompanyModel.find({ tenantId, _id: { $in: fields.keyCompanyIds } }).select({ _id: 1 }).lean().exec() : [],
  ]);
  const known = new Map(users.map((user) => [user.userId, user]));
  requireAll(fields.memberIds ?? [], new Set(known.keys()), 'input.memberIds', 'user');
  // Refused before the team's write: once it is written, moving such a user fails (their UserChanged
  // would carry too many teamIds), leaving the team marked and the later joiners unmoved.
  (fields.memberIds ?? []).forEach((userId, i) => {
    const teamIds = known.get(userId)!.teamIds;
    if (teamIds.length >= MAX_TEAMS_PER_USER && !(teamId && teamIds.includes(teamId))) {
      throw badInput(`user ${userId} is already in ${MAX_TEAMS_PER_USER} teams, the most one may belong to`, `input.memberIds.${i}`);
    }
  });
  if (fields.leadId) {
    const lead = known.get(fields.leadId);
    if (!lead) throw badInput(`user ${fields.leadId} is not in the tenant's directory`, 'input.leadId');
    if (!lead.roles.includes(LEAD_ROLE)) throw badInput(`the lead ${fields.leadId} must hold the role ${LEAD_ROLE}`, 'input.leadId');
  }
  requireAll(fields.territoryIds ?? [], new Set(territories.map((t) => String(t._id))), 'input.territoryIds', 'territory');
  requireAll(fields.keyCompanyIds ?? [], new Set(companies.map((c) => String(c._id))), 'input.keyCompanyIds', 'company');
}

/** Runs the members' moves after the team's write; a failure leaves the mark for the resumption, not an error. */
async function followMembers(ctx: ContactsContext, team: TeamDoc): Promise<TeamDoc> {
  try {
    await syncTeamMembers(ctx, team);
  } catch (error) {
    ctx.logger.warn({ err: error, teamId: team._id.toString() }, 'team membership moves interrupted; they resume at the next start or change of the team');
  }
  return team;
}

export async function createTeam(ctx: ContactsContext, input: unknown): Promise<TeamDoc> {
  const fields = parseInput(createTeamSchema, input);
  await checkReferences(ctx.tenantId, fields);
  const team = {
    _id: new Types.ObjectId(),
    tenantId: ctx.tenantId,
    ...fields,
    revision: 1,
    deleted: false,
    membersPending: fields.memberIds.length > 0,
    joiningMemberIds: fields.memberIds,
    leavingMemberIds: [],
  };
  const created = await insertWithEvents(TeamModel, team, teamChanged(ctx, team, 'CREATED'));
  return followMembers(ctx, created);
}

/**
 * Applies `change` to the live team as stored and writes it with its TeamChanged (revision + 1),
 * conditional on the revision read (retried when another write got in between, unless the caller
 * named the revision it expects: then CONFLICT). Unchanged (null from `change`): nothing is written.
 */
async function changeTeam(ctx: ContactsContext, id: string, kind: TeamChange, change: (before: TeamDoc) => Partial<TeamFields> | null, expectedRevision?: number | null): Promise<TeamDoc> {
  requireId(id, 'id');
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const before = await TeamModel.findOne({ _id: id, tenantId: ctx.tenantId, deleted: false }).lean<TeamDoc>().exec();
    if (!before) throw notFound('Team', id);
    if (expectedRevision != null && before.revision !== expectedRevision) {
      throw conflict(`team ${id} is at revision ${before.revision}, not ${expectedRevision}; read it again`, { existingId: id, revision: before.revision });
    }
    const set = change(before);
    if (set === null) return before;
    const after = { ...before, ...set, revision: before.revision + 1 };
    const members = new Set(after.memberIds);
    const added = after.memberIds.filter((userId) => !before.memberIds.includes(userId));
    const removed = before.memberIds.filter((userId) => !members.has(userId));
    const joiningMemberIds = [...new Set([...before.joiningMemberIds, ...added])].filter((userId) => members.has(userId));
    const leavingMemberIds = [...new Set([...before.leavingMemberIds, ...removed])].filter((userId) => !members.has(userId));
    const membersPending = joiningMemberIds.length > 0 || leavingMemberIds.length > 0;
    const updated = await updateWithEvents(
      TeamModel,
      { _id: before._id, tenantId: ctx.tenantId, deleted: false, revision: before.revision },
      { $set: { ...set, joiningMemberIds, leavingMemberIds, membersPending }, $inc: { revision: 1 } },
      teamChanged(ctx, after, kind),
    );
    if (updated) return followMembers(ctx, updated);
    if (expectedRevision != null) throw conflict(`team ${id} was changed meanwhile; read it again`, { existingId: id });
  }
  throw conflict(`team ${id} is being changed by others at the same time; try again`, { existingId: id });
}

/**
 * An admin changes anything; a head of sales only the teams they lead (as stored, in the read the
 * write is conditional on), and neither members nor lead: who is in a team decides TEAM scopes.
 */
export async function updateTeam(ctx: ContactsContext, id: string, input: unknown, expectedRevision?: number | null): Promise<TeamDoc> {
  const parsed = parseInput(updateTeamSchema, input);
  const fields = Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined)) as Partial<TeamFields>;
  const admin = hasRole(ctx.identity, 'admin');
  const adminsOnly = (['memberIds', 'leadId'] as const).find((field) => field in fields);
  if (!admin && adminsOnly) throw forbidden(`only admins may change a team's members and lead (input.${adminsOnly})`);
  await checkReferences(ctx.tenantId, fields, requireId(id, 'id'));
  return changeTeam(
    ctx,
    id,
    'UPDATED',
    (before) => {
      if (!admin && before.leadId !== ctx.userId) throw forbidden(`you may only manage the teams you lead, not team ${id}`);
      return Object.keys(fields).length ? fields : null;
    },
    expectedRevision,
  );
}

export async function addTeamMember(ctx: ContactsContext, teamId: string, userId: string): Promise<TeamDoc> {
  await checkReferences(ctx.tenantId, { memberIds: [userId] }, teamId);
  return changeTeam(ctx, teamId, 'MEMBER_ADDED', (before) => {
    if (before.memberIds.includes(userId)) return null;
    if (before.memberIds.length >= TEAM_LIMITS.members) throw badInput(`a team has at most ${TEAM_LIMITS.members} members`, 'userId');
    return { memberIds: [...before.memberIds, userId] };
  });
}

export async function removeTeamMember(ctx: ContactsContext, teamId: string, userId: string): Promise<TeamDoc> {
  return changeTeam(ctx, teamId, 'MEMBER_REMOVED', (before) => (before.memberIds.includes(userId) ? { memberIds: before.memberIds.filter((id) => id !== userId) } : null));
}

/** A tombstone (`deleted`, no members) so that its TeamChanged DELETED leaves through its own outbox. */
export async function deleteTeam(ctx: ContactsContext, id: string): Promise<string> {
  await changeTeam(ctx, id, 'DELETED', () => ({ memberIds: [], deleted: true }) as Partial<TeamFields>);
  return id;
}
