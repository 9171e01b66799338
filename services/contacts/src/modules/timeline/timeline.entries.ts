import type { ActivityCompleted, ActivityCreated, CompanyCreated, ContactCreated, DealCreated, DealLost, DealReopened, DealStageChanged, DealWon, Envelope, EventData, LeadConverted } from '@crm/events';
import type { LineScopeObject, TimelineDetails, TimelineEntity, TimelineEntryDoc, TimelineKind } from './timeline-entry.model';

/** What one event says on a timeline, whichever record's timeline shows it. */
export interface TimelineContent {
  kind: TimelineKind;
  summary: string;
  ref: TimelineEntryDoc['ref'];
  details: TimelineDetails;
  scopeObject?: LineScopeObject;
  scopeId?: string;
  scopeOwnerId?: string;
}

/** A deal's line shows to who may read the deal, an activity's to who may read the activity. */
const dealScope = (data: { dealId: string; ownerId: string }) => ({ scopeObject: 'deal' as const, scopeId: data.dealId, scopeOwnerId: data.ownerId });
const activityScope = (data: { activityId: string; assigneeId: string }) => ({ scopeObject: 'activity' as const, scopeId: data.activityId, scopeOwnerId: data.assigneeId });

/** A record whose timeline shows an event. */
export interface TimelineSubject {
  entity: TimelineEntity;
  id: string;
}

/** The id of an event's line on one record: applying the event again finds it there. */
export const lineId = (eventId: string, subject: TimelineSubject) => `${eventId}:${subject.entity}:${subject.id}`;

/** One line per record the event concerns (duplicates removed), stamped with the event's time and actor. */
export function linesOf(event: Envelope<unknown>, content: TimelineContent, subjects: TimelineSubject[]): TimelineEntryDoc[] {
  const unique = new Map(subjects.map((subject) => [lineId(event.id, subject), subject]));
  // Every field the schema has, defaults included: the lines are inserted as they are (insertLines).
  return [...unique].map(([_id, subject]) => ({
    scopeObject: null,
    scopeId: null,
    scopeOwnerId: null,
    _id,
    tenantId: event.tenantId,
    entity: subject.entity,
    entityId: subject.id,
    at: new Date(event.occurredAt),
    actorId: event.actorId ?? null,
    eventId: event.id,
    ...content,
  }));
}

const fullName = (first: string, last: string) => `${first} ${last}`;
/** `CALL` → `Call`: an activity's kind in a sentence. */
const sentenceCase = (word: string) => word.charAt(0) + word.slice(1).toLowerCase();

export const companyCreatedContent = (data: EventData<typeof CompanyCreated>): TimelineContent => ({
  kind: 'CREATED',
  summary: `Company "${data.name}" created`,
  ref: null,
  details: { title: data.name },
});

export const contactCreatedContent = (data: EventData<typeof ContactCreated>): TimelineContent => ({
  kind: 'CREATED',
  summary: `Contact "${fullName(data.firstName, data.lastName)}" created`,
  ref: null,
  details: { title: fullName(data.firstName, data.lastName) },
});

/** On the company's timeline: a person was added there. */
export const contactAddedContent = (data: EventData<typeof ContactCreated>): TimelineContent => ({
  kind: 'CONTACT_ADDED',
  summary: `Contact "${fullName(data.firstName, data.lastName)}" added${data.position ? ` (${data.position})` : ''}`,
  ref: { typename: 'Contact', id: data.contactId },
  details: { title: fullName(data.firstName, data.lastName), type: data.position ?? null },
});

export const mergedContent = (what: 'company' | 'contact', mergedIds: string[]): TimelineContent => ({
  kind: 'MERGED',
  summary: `${mergedIds.length} duplicate${mergedIds.length === 1 ? '' : 's'} merged into this ${what}`,
  ref: null,
  details: { mergedIds },
});

export const dealCreatedContent = (data: EventData<typeof DealCreated>): TimelineContent => ({
  kind: 'DEAL_CREATED',
  summary: `Deal "${data.title}" opened in stage ${data.stage.name} (${data.amount} ${data.currency})`,
  ref: { typename: 'Deal', id: data.dealId },
  details: { title: data.title, toStage: data.stage.name, status: data.status, summaryWithoutAmount: `Deal "${data.title}" opened in stage ${data.stage.name}` },
  ...dealScope(data),
});

export const dealStageChangedContent = (data: EventData<typeof DealStageChanged>): TimelineContent => ({
  kind: 'DEAL_STAGE_CHANGED',
  summary: `Deal "${data.title}" moved from ${data.fromStage.name} to ${data.toStage.name}`,
  ref: { typename: 'Deal', id: data.dealId },
  details: { title: data.title, fromStage: data.fromStage.name, toStage: data.toStage.name },
  ...dealScope(data),
});

export const dealWonContent = (data: EventData<typeof DealWon>): TimelineContent => ({
  kind: 'DEAL_WON',
  summary: `Deal "${data.title}" won (${data.amount} ${data.currency})`,
  ref: { typename: 'Deal', id: data.dealId },
  details: { title: data.title, toStage: data.stage.name, status: 'WON', summaryWithoutAmount: `Deal "${data.title}" won` },
  ...dealScope(data),
});

export const dealLostContent = (data: EventData<typeof DealLost>): TimelineContent => ({
  kind: 'DEAL_LOST',
  summary: `Deal "${data.title}" lost: ${data.lostReason}`,
  ref: { typename: 'Deal', id: data.dealId },
  details: { title: data.title, toStage: data.stage.name, status: 'LOST', type: data.lostReason },
  ...dealScope(data),
});

export const dealReopenedContent = (data: EventData<typeof DealReopened>): TimelineContent => ({
  kind: 'DEAL_REOPENED',
  summary: `Deal "${data.title}" reopened (was ${data.previousStatus.toLowerCase()}) in stage ${data.toStage.name}`,
  ref: { typename: 'Deal', id: data.dealId },
  details: { title: data.title, fromStage: data.fromStage.name, toStage: data.toStage.name, status: 'OPEN' },
  ...dealScope(data),
});

const activityVerb = { PLANNED: 'planned', DONE: 'done', CANCELLED: 'cancelled' } as const;

export const activityCompletedContent = (data: EventData<typeof ActivityCompleted>): TimelineContent => ({
  kind: 'ACTIVITY_COMPLETED',
  summary: `${sentenceCase(data.kind)} done: ${data.subject}`,
  ref: { typename: 'Activity', id: data.activityId },
  details: { title: data.subject, type: data.kind, status: 'DONE' },
  ...activityScope(data),
});

export const activityCreatedContent = (data: EventData<typeof ActivityCreated>): TimelineContent => ({
  kind: 'ACTIVITY_CREATED',
  summary: `${sentenceCase(data.kind)} ${activityVerb[data.status]}: ${data.subject}`,
  ref: { typename: 'Activity', id: data.activityId },
  details: { title: data.subject, type: data.kind, status: data.status },
  ...activityScope(data),
});

/** On the company's and the contact's timelines: they came from a lead (its history stays on the lead, `ref`). */
export const leadConvertedContent = (data: EventData<typeof LeadConverted>): TimelineContent => ({
  kind: 'LEAD_CONVERTED',
  summary: `Converted from lead${data.lead.name ? ` "${data.lead.name}"` : ''} (${data.lead.source}${data.lead.campaignId ? `, campaign ${data.lead.campaignId}` : ''})`,
  ref: { typename: 'Lead', id: data.leadId },
  details: { title: data.lead.name, type: data.lead.source },
});
