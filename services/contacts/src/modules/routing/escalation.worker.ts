import { updateWithEvents } from '@crm/messaging';
import { createPollingWorker, isId, type BackgroundWorker, type Logger } from '@crm/service-kit';
import { leadAssigned, leadEscalated } from '../lead/lead.events';
import { LeadModel, type AssignmentDoc, type LeadDoc } from '../lead/lead.model';
import { TeamModel, type TeamDoc } from '../team/team.model';
import { withActivePeople } from './route-lead';

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

/** Polls every `pollIntervalMs`, at once again after a full batch (see createPollingWorker). */
export function createEscalationWorker({ logger, pollIntervalMs, batch }: EscalationOptions): BackgroundWorker {
  return createPollingWorker({ what: 'lead escalation poll', logger, intervalMs: pollIntervalMs, batch, poll: () => escalateDueLeads(batch) });
}
