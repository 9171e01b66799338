import { updateWithEvents } from '@crm/messaging';
import { createPollingWorker, isId, type BackgroundWorker, type Logger } from '@crm/service-kit';
import { leadAssigned, leadEscalated } from '../lead/lead.events';
import { LeadModel, type AssignmentDoc, type LeadDoc } from '../lead/lead.model';
import { TeamModel, type TeamDoc } from '../team/team.model';
import { withActivePeople } from './route-lead';
import { fallbackOf, type RoutingFallbackDoc } from './routing-fallback.model';

export interface EscalationOptions {
  logger: Logger;
  pollIntervalMs: number;
  batch: number;
}

/**
 * Whom an unaccepted lead goes to: the team lead, or (when they have it already, or there is none)
 * the next member. `team` with its active people only (withActivePeople): never to someone deactivated.
 */
export function escalationTarget(assigneeId: string | null, team: Pick<TeamDoc, 'leadId' | 'memberIds'> | null): string | null {
  if (!team) return null;
  if (team.leadId && team.leadId !== assigneeId) return team.leadId;
  const members = team.memberIds;
  if (members.length === 0) return null;
  const next = members[(members.indexOf(assigneeId ?? '') + 1) % members.length]!;
  return next !== assigneeId ? next : null;
}

/**
 * Escalates each lead whose SLA ran out, once: the move (new assignee, SLA cleared) is conditional
 * on the lead still waiting with the assignee and deadline that were read, and carries
 * LeadEscalated and LeadAssigned. When two instances (or one after a restart) pick the same lead,
 * one write matches and the others match nothing, so the event is made once.
 */
export async function escalateDueLeads(batch: number, now = new Date()): Promise<number> {
  const due = await LeadModel.find({ slaState: 'WAITING', acceptBy: { $lte: now } }).sort({ acceptBy: 1 }).limit(batch).lean<LeadDoc[]>().exec();
  let escalated = 0;
  for (const lead of due) {
    const waiting = { _id: lead._id, tenantId: lead.tenantId, slaState: 'WAITING' as const, assigneeId: lead.assigneeId, acceptBy: lead.acceptBy };
    const stored = lead.teamId && isId(lead.teamId) ? await TeamModel.findOne({ _id: lead.teamId, tenantId: lead.tenantId, deleted: false }).lean<TeamDoc>().exec() : null;
    const team = stored && (await withActivePeople(stored));
    const target = escalationTarget(lead.assigneeId, team);
    if (!target || !lead.assigneeId) {
      // Nobody to escalate to (the team is gone or has no one else): the lead stays where it is.
      await LeadModel.updateOne(waiting, { $set: { slaState: null } }).exec();
      continue;
    }
    const assignment: AssignmentDoc = {
      by: 'escalation',
      from: lead.assigneeId,
      to: target,
      teamId: lead.teamId!,
      ruleId: lead.ruleId,
      method: 'ESCALATION',
      reason: `not accepted within ${lead.slaMinutes} minutes: ${target === team!.leadId ? 'to the team lead' : 'to the next member'}`,
      at: now,
    };
    const cause = { tenantId: lead.tenantId, userId: 'escalation', correlationId: `lead-escalation-${lead._id.toString()}` };
    const updated = await updateWithEvents(
      LeadModel,
      waiting,
      { $set: { assigneeId: target, slaState: null, escalatedAt: now }, $push: { assignments: assignment } },
      leadEscalated(lead, assignment, cause),
      leadAssigned({ _id: lead._id, acceptBy: null }, assignment, cause),
    );
    if (updated) escalated += 1;
  }
  return escalated;
}

const FALLBACK_SLA = 'UNASSIGNED' as const;

/**
 * Hands each lead that no rule assigned, and nobody assigned by hand, to the tenant's routing
 * fallback once its `assignBy` passed: to the fallback team's lead, or (without an active lead)
 * its first active member, with LeadAssigned (method FALLBACK). As for escalations, the move is
 * conditional on the lead still waiting unassigned with the deadline read, so of two instances
 * (or one after a restart) one write matches and the event is made once. A lead whose fallback
 * is gone meanwhile (removed, its team deleted or without active people) stays unassigned (NEW),
 * its wait over.
 */
export async function assignUnroutedLeads(batch: number, now = new Date()): Promise<number> {
  const due = await LeadModel.find({ slaState: FALLBACK_SLA, assignBy: { $lte: now } }).sort({ assignBy: 1 }).limit(batch).lean<LeadDoc[]>().exec();
  const fallbacks = new Map<string, RoutingFallbackDoc | null>();
  let assigned = 0;
  for (const lead of due) {
    const waiting = { _id: lead._id, tenantId: lead.tenantId, slaState: FALLBACK_SLA, assigneeId: null, status: 'NEW' as const, assignBy: lead.assignBy };
    if (!fallbacks.has(lead.tenantId)) fallbacks.set(lead.tenantId, await fallbackOf(lead.tenantId));
    const fallback = fallbacks.get(lead.tenantId);
    const stored =
      lead.status === 'NEW' && !lead.assigneeId && fallback?.teamId && isId(fallback.teamId)
        ? await TeamModel.findOne({ _id: fallback.teamId, tenantId: lead.tenantId, deleted: false }).lean<TeamDoc>().exec()
        : null;
    const team = stored && (await withActivePeople(stored));
    const target = escalationTarget(null, team);
    if (!target) {
      // No fallback (any more), or nobody in its team: the lead stays unassigned, listed for assignLead.
      await LeadModel.updateOne({ ...waiting, status: lead.status, assigneeId: lead.assigneeId }, { $set: { slaState: null } }).exec();
      continue;
    }
    const assignment: AssignmentDoc = {
      by: 'escalation',
      from: null,
      to: target,
      teamId: team!._id.toString(),
      ruleId: null,
      method: 'FALLBACK',
      reason: `no routing rule assigned it, nor anyone within ${fallback!.afterMinutes} minutes: to the tenant's fallback team "${team!.name}", ${target === team!.leadId ? 'its lead' : 'its first member (the team has no active lead)'}`,
      at: now,
    };
    const cause = { tenantId: lead.tenantId, userId: 'escalation', correlationId: `lead-fallback-${lead._id.toString()}` };
    const updated = await updateWithEvents(
      LeadModel,
      waiting,
      { $set: { status: 'ASSIGNED', assigneeId: target, teamId: assignment.teamId, slaState: null, acceptBy: null, escalatedAt: now }, $push: { assignments: assignment } },
      leadAssigned({ _id: lead._id, acceptBy: null }, assignment, cause),
    );
    if (updated) assigned += 1;
  }
  return assigned;
}

/**
 * Polls every `pollIntervalMs`, at once again after a full batch (see createPollingWorker): leads
 * not accepted in time, then leads nobody was assigned in time.
 */
export function createEscalationWorker({ logger, pollIntervalMs, batch }: EscalationOptions): BackgroundWorker {
  return createPollingWorker({
    what: 'lead escalation poll',
    logger,
    intervalMs: pollIntervalMs,
    batch,
    poll: async () => Math.max(await escalateDueLeads(batch), await assignUnroutedLeads(batch)),
  });
}
