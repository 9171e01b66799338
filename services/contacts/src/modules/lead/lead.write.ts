import type { EventCause } from '@crm/events';
import { insertWithEvents, isDuplicateKey, type EventOf } from '@crm/messaging';
import { parseInput } from '@crm/service-kit';
import { Types } from 'mongoose';
import { routeLead, type RouteDecision } from '../routing/route-lead';
import { fallbackDeadline, fallbackOf, type RoutingFallbackDoc } from '../routing/routing-fallback.model';
import { leadAssigned, leadCreated } from './lead.events';
import { leadInput } from './lead.input';
import { LeadModel, type AssignmentDoc, type LeadDoc } from './lead.model';
import { territoryOfAddress } from '../territory/address-territory';

export interface TakenLead {
  lead: LeadDoc;
  /** False when the (source, externalId) was taken in before: the same lead is answered. */
  created: boolean;
}

const ROUTING = 'routing';

/** The fields an assignment sets on a lead (its SLA starts now). */
export function assignmentFields(decision: RouteDecision, at: Date, from: string | null, by: string) {
  const sla = decision.rule.slaMinutes;
  const assignment: AssignmentDoc = {
    by,
    from,
    to: decision.assigneeId,
    teamId: decision.team._id.toString(),
    ruleId: decision.rule._id.toString(),
    method: decision.method,
    reason: decision.reason,
    at,
  };
  const set = {
    status: 'ASSIGNED' as const,
    assigneeId: decision.assigneeId,
    teamId: assignment.teamId,
    ruleId: assignment.ruleId,
    slaMinutes: sla,
    slaState: sla ? ('WAITING' as const) : null,
    acceptBy: sla ? new Date(at.getTime() + sla * 60_000) : null,
  };
  return { assignment, set };
}

/**
 * A lead belongs to the territory it names, else to the one its country, region and city place it
 * in (the rule companies follow, territory/address-territory.ts).
 */
export async function placed<T extends { territoryId?: string | null; country?: string | null; region?: string | null; city?: string | null }>(tenantId: string, lead: T): Promise<T> {
  if (lead.territoryId) return lead;
  const territoryId = await territoryOfAddress(tenantId, { country: lead.country ?? null, region: lead.region ?? null, city: lead.city ?? null });
  return territoryId ? { ...lead, territoryId } : lead;
}

const byKey = (tenantId: string, dedupeKey: string) => LeadModel.findOne({ tenantId, dedupeKey }).lean<LeadDoc>().exec();

/**
 * A lead no rule assigned waits for the tenant's routing fallback, when there is one: the
 * escalation worker hands it over after the fallback's minutes (routing/escalation.worker.ts).
 * Without a fallback it stays unassigned (NEW), for assignLead.
 */
function waitForFallback(fallback: RoutingFallbackDoc | null, at: Date): Partial<LeadDoc> {
  const assignBy = fallbackDeadline({ createdAt: at, slaState: null }, fallback);
  return assignBy ? { slaState: 'UNASSIGNED', assignBy } : {};
}

/**
 * The fallback read before the insert may have been replaced before the insert landed; the walk of
 * the new setting's backlog (started after it was saved) may then have passed the lead's id
 * already. So the lead checks once more: under a setting other than the one it was inserted
 * with, it takes that setting's wait itself (conditional on the lead as inserted, as the walk's
 * write is: whichever comes first sets it, the other matches nothing or changes nothing).
 */
async function recheckFallback(lead: LeadDoc, read: RoutingFallbackDoc | null): Promise<LeadDoc> {
  const current = await fallbackOf(lead.tenantId);
  if ((current?.revision ?? null) === (read?.revision ?? null) && (current?.teamId ?? null) === (read?.teamId ?? null)) return lead;
  const assignBy = fallbackDeadline(lead, current);
  if (!assignBy) return lead;
  const updated = await LeadModel.findOneAndUpdate(
    { _id: lead._id, tenantId: lead.tenantId, status: 'NEW', assigneeId: null, slaState: lead.slaState, assignBy: lead.assignBy ?? null },
    { $set: { slaState: 'UNASSIGNED', assignBy } },
    { returnDocument: 'after' },
  )
    .lean<LeadDoc>()
    .exec();
  return updated ?? lead;
}

/**
 * Takes a lead in from any channel and routes it at once: the lead, its first assignment and
 * both events (LeadCreated, LeadAssigned) are one insert. With an external id, a repeat of
 * (tenant, source, externalId) answers the lead taken in first (the unique key decides a race).
 * A lead no rule assigned is inserted waiting for the tenant's fallback, if it has one.
 */
export async function takeInLead(cause: EventCause, input: unknown, createdBy: string): Promise<TakenLead> {
  const fields = await placed(cause.tenantId, parseInput(leadInput, input));
  const _id = new Types.ObjectId();
  const dedupeKey = fields.externalId ? `${fields.source}:${fields.externalId}` : `id:${_id.toString()}`;
  if (fields.externalId) {
    const existing = await byKey(cause.tenantId, dedupeKey);
    if (existing) return { lead: existing, created: false };
  }
  const { decision } = await routeLead(cause.tenantId, fields);
  // Its deadlines (acceptBy, assignBy) count from the creation time it is stored with.
  const now = new Date();
  const lead = { _id, tenantId: cause.tenantId, ...fields, dedupeKey, status: 'NEW', open: true, assignments: [], createdBy, createdAt: now, updatedAt: now } as unknown as LeadDoc;
  const events: EventOf<LeadDoc>[] = [(doc) => leadCreated(doc, cause)];
  let fallback: RoutingFallbackDoc | null = null;
  if (decision) {
    const { assignment, set } = assignmentFields(decision, now, null, ROUTING);
    Object.assign(lead, set, { assignments: [assignment] });
    events.push((doc) => leadAssigned(doc, assignment, cause));
  } else {
    fallback = await fallbackOf(cause.tenantId);
    Object.assign(lead, waitForFallback(fallback, now));
  }
  try {
    const inserted = await insertWithEvents(LeadModel, lead, ...events);
    return { lead: decision ? inserted : await recheckFallback(inserted, fallback), created: true };
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const first = await byKey(cause.tenantId, dedupeKey);
    if (!first) throw error;
    return { lead: first, created: false };
  }
}
