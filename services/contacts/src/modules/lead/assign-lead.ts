import { updateWithEvents } from '@crm/messaging';
import { authorizeChange } from '@crm/policy';
import { badInput, conflict, failedPrecondition, isId, notFound, parseInput, requireId, userIdInput } from '@crm/service-kit';
import { z } from 'zod';
import type { ContactsContext } from '../../context';
import { worksIn } from '../routing/route-lead';
import { TeamModel, type TeamDoc } from '../team/team.model';
import { UserModel, type UserDoc } from '../user/user.model';
import { leadOwner } from './lead-rights';
import { leadAssigned } from './lead.events';
import { LeadModel, MAX_ASSIGNMENTS, type AssignmentDoc, type LeadDoc } from './lead.model';

/** A reason given by hand: at most as long as LeadAssigned carries it. */
export const MAX_ASSIGN_REASON = 500;

const assignInput = z.object({
  userId: userIdInput('userId'),
  reason: z
    .string()
    .trim()
    .max(MAX_ASSIGN_REASON, `reason is at most ${MAX_ASSIGN_REASON} characters`)
    .nullish()
    .transform((value) => value || null),
});

/** Statuses a lead is worked in: a lead assigned by hand leaves them only by qualification (QUALIFIED stays). */
const REASSIGNABLE = new Set<LeadDoc['status']>(['NEW', 'ASSIGNED', 'ACCEPTED', 'QUALIFIED']);

/**
 * The team an assignment by hand is recorded in: the lead's team when the new assignee works in
 * it (member or lead), else the first team (by id) they are a member of, else the first they lead.
 * Null when they work in no team.
 */
async function teamFor(tenantId: string, lead: LeadDoc, userId: string): Promise<TeamDoc | null> {
  if (lead.teamId && isId(lead.teamId)) {
    const current = await TeamModel.findOne({ _id: lead.teamId, tenantId, deleted: false }).lean<TeamDoc>().exec();
    if (current && worksIn(current, userId)) return current;
  }
  const [member] = await TeamModel.find({ tenantId, memberIds: userId, deleted: false }).sort({ _id: 1 }).limit(1).lean<TeamDoc[]>().exec();
  if (member) return member;
  const [led] = await TeamModel.find({ tenantId, leadId: userId, deleted: false }).sort({ _id: 1 }).limit(1).lean<TeamDoc[]>().exec();
  return led ?? null;
}

/**
 * assignLead: a person gives the lead to `userId` (services/contacts/README.md, "Assigning by
 * hand"). Rights as for any change of owner (authorizeChange: update on the lead as read, assign
 * over it and over the new assignee). The new assignee must be an active person of the directory
 * who works in a team (BAD_USER_INPUT naming `userId`); a converted, disqualified or converting
 * lead is FAILED_PRECONDITION. The write is conditional on the lead as read (status, version,
 * assignee), so an escalation, a fallback, an accept or another assignment in between is CONFLICT,
 * never overwritten; it records the assignment (MANUAL), starts the rule's accept SLA again when
 * the lead has one, and carries LeadAssigned. Giving a lead to its assignee answers it unchanged.
 */
export async function assignLeadByHand(ctx: ContactsContext, id: string, args: { userId: string; reason?: string | null }): Promise<LeadDoc> {
  const { userId, reason } = parseInput(assignInput, args);
  const lead = await LeadModel.findOne({ _id: requireId(id, 'id'), tenantId: ctx.tenantId }).lean<LeadDoc>().exec();
  if (!lead) throw notFound('Lead', id);
  authorizeChange(await ctx.access(), 'lead', leadOwner(lead), { ownerId: userId });
  if (!REASSIGNABLE.has(lead.status)) throw failedPrecondition(`lead ${id} is ${lead.status}: it cannot be assigned`, ['status'], { status: lead.status });
  if (lead.conversion) throw failedPrecondition(`lead ${id} is being converted: finish the conversion (convertLead) first`, ['conversion'], { status: lead.status });
  if (lead.assigneeId === userId) return lead;
  if ((lead.assignments ?? []).length >= MAX_ASSIGNMENTS) throw failedPrecondition(`lead ${id} has had ${MAX_ASSIGNMENTS} assignments, the most a lead keeps`, ['assignments']);

  const person = await UserModel.findOne({ tenantId: ctx.tenantId, userId }).lean<UserDoc>().exec();
  if (!person || !person.active) throw badInput(`userId: ${userId} is not an active person of the directory`, 'userId');
  const team = await teamFor(ctx.tenantId, lead, userId);
  if (!team) throw badInput(`userId: ${userId} works in no team (a lead is assigned within a team)`, 'userId');

  const now = new Date();
  const assignment: AssignmentDoc = {
    by: ctx.userId,
    from: lead.assigneeId,
    to: userId,
    teamId: team._id.toString(),
    ruleId: null,
    method: 'MANUAL',
    reason: reason ?? `assigned by hand by ${ctx.userId}`,
    at: now,
  };
  // A qualified lead stays qualified (nothing to accept); otherwise the new assignee accepts it, within the rule's SLA again.
  const qualified = lead.status === 'QUALIFIED';
  const sla = !qualified && lead.ruleId && lead.slaMinutes ? lead.slaMinutes : null;
  const acceptBy = sla ? new Date(now.getTime() + sla * 60_000) : null;
  const set = { status: qualified ? lead.status : ('ASSIGNED' as const), assigneeId: userId, teamId: assignment.teamId, slaState: sla ? ('WAITING' as const) : null, acceptBy };
  const updated = await updateWithEvents(
    LeadModel,
    { _id: lead._id, tenantId: ctx.tenantId, status: lead.status, updatedAt: lead.updatedAt, assigneeId: lead.assigneeId, conversion: null },
    { $set: set, $push: { assignments: assignment } },
    leadAssigned({ _id: lead._id, acceptBy }, assignment, ctx),
  );
  if (!updated) throw conflict(`lead ${id} was changed meanwhile (assigned, escalated or accepted); read it again`);
  return updated as LeadDoc;
}
