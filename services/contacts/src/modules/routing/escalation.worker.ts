import { updateWithEvents } from '@crm/messaging';
import { createPollingWorker, isId, type BackgroundWorker, type Logger } from '@crm/service-kit';
import { Types } from 'mongoose';
import { leadAssigned, leadEscalated } from '../lead/lead.events';
import { LeadModel, type AssignmentDoc, type LeadDoc } from '../lead/lead.model';
import { TeamModel, type TeamDoc } from '../team/team.model';
import { withActivePeople } from './route-lead';
import { fallbackDeadline, fallbackOf, RoutingFallbackModel, type RoutingFallbackDoc } from './routing-fallback.model';

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
 * Whom the fallback team gives a lead: its lead, or (without an active lead, or when the lead is
 * `except`, the assignee an escalation takes it from) its first active member other than
 * `except`. `team` with its active people only (withActivePeople). Null: nobody.
 */
export function fallbackTarget(team: Pick<TeamDoc, 'leadId' | 'memberIds'> | null, except: string | null = null): string | null {
  if (!team) return null;
  if (team.leadId && team.leadId !== except) return team.leadId;
  return team.memberIds.find((member) => member !== except) ?? null;
}

/** The tenant's fallback team with its active people, read once per poll and tenant (null: no fallback, or its team is gone). */
type FallbackTeams = Map<string, { fallback: RoutingFallbackDoc; team: TeamDoc } | null>;
async function fallbackTeamOf(tenantId: string, cache: FallbackTeams): Promise<{ fallback: RoutingFallbackDoc; team: TeamDoc } | null> {
  if (!cache.has(tenantId)) {
    const fallback = await fallbackOf(tenantId);
    const stored =
      fallback?.teamId && isId(fallback.teamId) ? await TeamModel.findOne({ _id: fallback.teamId, tenantId, deleted: false }).lean<TeamDoc>().exec() : null;
    cache.set(tenantId, fallback && stored ? { fallback, team: await withActivePeople(stored) } : null);
  }
  return cache.get(tenantId)!;
}

const whichOne = (team: Pick<TeamDoc, 'leadId'>, target: string) => (target === team.leadId ? 'its lead' : 'its first active member (the team has no active lead, or its lead is the assignee)');

/**
 * Escalates each lead whose SLA ran out, once: the move (new assignee, SLA cleared) is conditional
 * on the lead still waiting with the assignee and deadline that were read, and carries
 * LeadEscalated and LeadAssigned. When two instances (or one after a restart) pick the same lead,
 * one write matches and the others match nothing, so the events are made once.
 * When the lead's team has nobody left to escalate to (gone, or nobody active but the assignee),
 * the lead falls through to the tenant's routing fallback, if one is set and its team has someone
 * active other than the assignee: the same conditional move, recorded with method FALLBACK
 * (LeadEscalated and LeadAssigned FALLBACK). Otherwise it stays where it is, its SLA cleared.
 */
export async function escalateDueLeads(batch: number, now = new Date()): Promise<number> {
  const due = await LeadModel.find({ slaState: 'WAITING', acceptBy: { $lte: now } }).sort({ acceptBy: 1 }).limit(batch).lean<LeadDoc[]>().exec();
  const fallbacks: FallbackTeams = new Map();
  let escalated = 0;
  for (const lead of due) {
    const waiting = { _id: lead._id, tenantId: lead.tenantId, slaState: 'WAITING' as const, assigneeId: lead.assigneeId, acceptBy: lead.acceptBy };
    const stored = lead.teamId && isId(lead.teamId) ? await TeamModel.findOne({ _id: lead.teamId, tenantId: lead.tenantId, deleted: false }).lean<TeamDoc>().exec() : null;
    const team = stored && (await withActivePeople(stored));
    const target = escalationTarget(lead.assigneeId, team);
    let assignment: AssignmentDoc;
    let teamId: string;
    if (target && lead.assigneeId) {
      teamId = lead.teamId!;
      assignment = {
        by: 'escalation',
        from: lead.assigneeId,
        to: target,
        teamId,
        ruleId: lead.ruleId,
        method: 'ESCALATION',
        reason: `not accepted within ${lead.slaMinutes} minutes: ${target === team!.leadId ? 'to the team lead' : 'to the next member'}`,
        at: now,
      };
    } else {
      // Nobody to escalate to in the lead's team: to the tenant's fallback team, when it has someone else.
      const fallback = lead.assigneeId ? await fallbackTeamOf(lead.tenantId, fallbacks) : null;
      const to = fallback && fallbackTarget(fallback.team, lead.assigneeId);
      if (!to || !lead.assigneeId) {
        // Nor there (no fallback, or nobody in it but the assignee): the lead stays where it is.
        await LeadModel.updateOne(waiting, { $set: { slaState: null } }).exec();
        continue;
      }
      teamId = fallback!.team._id.toString();
      assignment = {
        by: 'escalation',
        from: lead.assigneeId,
        to,
        teamId,
        ruleId: lead.ruleId,
        method: 'FALLBACK',
        reason: `not accepted within ${lead.slaMinutes} minutes, and nobody active left to escalate to in its team: to the tenant's fallback team "${fallback!.team.name}", ${whichOne(fallback!.team, to)}`,
        at: now,
      };
    }
    const cause = { tenantId: lead.tenantId, userId: 'escalation', correlationId: `lead-escalation-${lead._id.toString()}` };
    const updated = await updateWithEvents(
      LeadModel,
      waiting,
      { $set: { assigneeId: assignment.to, teamId, slaState: null, escalatedAt: now }, $push: { assignments: assignment } },
      leadEscalated(lead, assignment, cause),
      leadAssigned({ _id: lead._id, acceptBy: null }, assignment, cause),
    );
    if (updated) escalated += 1;
  }
  return escalated;
}

const FALLBACK_SLA = 'UNASSIGNED' as const;

/**
 * Brings in the backlogs of fallbacks set (or changed) since the last walk: the tenant's leads
 * still unassigned (NEW) in `_id` order from the setting's cursor, at most `batch` leads in all
 * per poll. Each lead gets the setting's wait (fallbackDeadline: from the later of its intake and
 * the setting; one already waiting only when that is earlier), in a write conditional on the lead
 * as read (still NEW, unassigned, the same wait), so an assignment by hand, the fallback or
 * another instance's walk in between is never overwritten. The cursor moves (and the walk ends)
 * conditional on the setting and cursor read: a newer setting restarts the walk, two instances
 * walking the same page write the same waits. assignUnroutedLeads then hands the leads over.
 */
export async function bringInBacklogs(batch: number): Promise<number> {
  const pending = await RoutingFallbackModel.find({ backlogPending: true }).sort({ since: 1 }).limit(batch).lean<RoutingFallbackDoc[]>().exec();
  let handled = 0;
  for (const fallback of pending) {
    const room = batch - handled;
    if (room <= 0) break;
    const after = fallback.backlogCursor && isId(fallback.backlogCursor) ? { _id: { $gt: new Types.ObjectId(fallback.backlogCursor) } } : {};
    const page = await LeadModel.find({ tenantId: fallback.tenantId, status: 'NEW', ...after })
      .sort({ _id: 1 })
      .limit(room)
      .select({ tenantId: 1, status: 1, assigneeId: 1, slaState: 1, assignBy: 1, createdAt: 1 })
      .lean<LeadDoc[]>()
      .exec();
    const writes = page.flatMap((lead) => {
      const assignBy = !lead.assigneeId && lead.slaState !== 'WAITING' && fallbackDeadline(lead, fallback);
      if (!assignBy) return [];
      const filter = { _id: lead._id, tenantId: fallback.tenantId, status: 'NEW' as const, assigneeId: null, slaState: lead.slaState ?? null, assignBy: lead.assignBy ?? null };
      return [{ updateOne: { filter, update: { $set: { slaState: FALLBACK_SLA, assignBy } } } }];
    });
    if (writes.length > 0) await LeadModel.bulkWrite(writes, { ordered: false });
    const last = page[page.length - 1];
    const progress = page.length < room || !last ? { backlogPending: false, backlogCursor: null } : { backlogCursor: last._id.toString() };
    await RoutingFallbackModel.updateOne(
      { _id: fallback._id, revision: fallback.revision, backlogPending: true, backlogCursor: fallback.backlogCursor ?? null },
      { $set: progress },
      { timestamps: false },
    ).exec();
    handled += page.length;
  }
  return handled;
}

/**
 * Hands each lead that no rule assigned, and nobody assigned by hand, to the tenant's routing
 * fallback once its `assignBy` passed: to the fallback team's lead, or (without an active lead)
 * its first active member, with LeadAssigned (method FALLBACK; no LeadEscalated: the lead had no
 * assignee). As for escalations, the move is conditional on the lead still waiting unassigned
 * with the deadline read, so of two instances (or one after a restart) one write matches and the
 * event is made once. A lead whose fallback is gone meanwhile (removed, its team deleted or
 * without active people) stays unassigned (NEW), its wait over, until the fallback is set again.
 */
export async function assignUnroutedLeads(batch: number, now = new Date()): Promise<number> {
  const due = await LeadModel.find({ slaState: FALLBACK_SLA, assignBy: { $lte: now } }).sort({ assignBy: 1 }).limit(batch).lean<LeadDoc[]>().exec();
  const fallbacks: FallbackTeams = new Map();
  let assigned = 0;
  for (const lead of due) {
    const waiting = { _id: lead._id, tenantId: lead.tenantId, slaState: FALLBACK_SLA, assigneeId: null, status: 'NEW' as const, assignBy: lead.assignBy };
    const fallback = lead.status === 'NEW' && !lead.assigneeId ? await fallbackTeamOf(lead.tenantId, fallbacks) : null;
    const target = fallback && fallbackTarget(fallback.team);
    if (!target) {
      // No fallback (any more), or nobody in its team: the lead stays unassigned, listed for assignLead.
      await LeadModel.updateOne({ ...waiting, status: lead.status, assigneeId: lead.assigneeId }, { $set: { slaState: null } }).exec();
      continue;
    }
    const team = fallback!.team;
    const assignment: AssignmentDoc = {
      by: 'escalation',
      from: null,
      to: target,
      teamId: team._id.toString(),
      ruleId: null,
      method: 'FALLBACK',
      reason: `no routing rule assigned it, nor anyone within ${fallback!.fallback.afterMinutes} minutes: to the tenant's fallback team "${team.name}", ${target === team.leadId ? 'its lead' : 'its first member (the team has no active lead)'}`,
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
 * not accepted in time, then the backlogs of fallbacks just set, then leads nobody was assigned
 * in time.
 */
export function createEscalationWorker({ logger, pollIntervalMs, batch }: EscalationOptions): BackgroundWorker {
  return createPollingWorker({
    what: 'lead escalation poll',
    logger,
    intervalMs: pollIntervalMs,
    batch,
    poll: async () => Math.max(await escalateDueLeads(batch), await bringInBacklogs(batch), await assignUnroutedLeads(batch)),
  });
}
