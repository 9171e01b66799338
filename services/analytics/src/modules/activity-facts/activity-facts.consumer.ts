import { ActivityCancelled, ActivityCompleted, ActivityCreated, TaskOverdue, type Envelope, type EventData } from '@crm/events';
import { on, onBatch } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { writeFact } from '../fact-counters/counted-fact';
import { writeFactsTogether } from '../fact-counters/counted-facts.batch';
import { activityContributions } from './activity-fact.contributions';
import { ActivityFactModel, type ActivityFactDoc, type ActivityFactState } from './activity-fact.model';

type Change = Partial<ActivityFactState> & Pick<ActivityFactState, 'kind' | 'assigneeId'>;

const STATE_FIELDS = ['kind', 'assigneeId', 'teamId', 'companyId', 'campaignId', 'status', 'createdAt', 'completedAt', 'overdueAt', 'response', 'lastEventAt'] as const;
const stateOf = (doc: ActivityFactDoc): ActivityFactState => Object.fromEntries(STATE_FIELDS.map((field) => [field, doc[field]])) as unknown as ActivityFactState;

/** Fields given as null or undefined keep what the fact knew (a later event may name fewer). */
const known = (change: Change) => Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined && value !== null)) as Partial<ActivityFactState>;

/**
 * An activity event's change as a step of its fact. One activity's events arrive in order (one
 * key); an older one arriving late (a replay) changes nothing, a repeat sets what it set before.
 */
function stepOf(event: Envelope, change: Change) {
  const at = new Date(event.occurredAt);
  return (current: ActivityFactDoc | null): ActivityFactState | null => {
    if (current && new Date(current.lastEventAt) > at) return null;
    const base: ActivityFactState = current
      ? stateOf(current)
      : { kind: change.kind, assigneeId: change.assigneeId, teamId: null, companyId: null, campaignId: null, status: 'PLANNED', createdAt: null, completedAt: null, overdueAt: null, response: false, lastEventAt: at };
    return { ...base, ...known(change), lastEventAt: at };
  };
}

/** Applies one activity event to its fact. */
const applyActivityEvent = (event: Envelope, activityId: string, change: Change, likelyNew = false) =>
  writeFact<ActivityFactState>(ActivityFactModel, event.tenantId, activityId, stepOf(event, change), activityContributions, { likelyNew });

const created = (data: EventData<typeof ActivityCreated>, event: Envelope): Change => ({
  kind: data.kind,
  assigneeId: data.assigneeId,
  teamId: data.teamId,
  companyId: data.companyId,
  campaignId: data.campaignId,
  status: data.status,
  createdAt: new Date(event.occurredAt),
  // Recorded as done (a call logged afterwards): done when recorded.
  ...(data.status === 'DONE' && { completedAt: new Date(data.endAt ?? data.startAt ?? event.occurredAt) }),
});
const completed = (data: EventData<typeof ActivityCompleted>, event: Envelope): Change => ({
  kind: data.kind,
  assigneeId: data.assigneeId,
  teamId: data.teamId,
  companyId: data.companyId,
  campaignId: data.campaignId,
  status: 'DONE',
  completedAt: new Date(data.completedAt ?? event.occurredAt),
  response: data.response === true,
});
const cancelled = (data: EventData<typeof ActivityCancelled>): Change => ({ kind: data.kind, assigneeId: data.assigneeId, companyId: data.companyId, campaignId: data.campaignId, status: 'CANCELLED' });
const overdue = (data: EventData<typeof TaskOverdue>): Change => ({ kind: data.kind, assigneeId: data.assigneeId, teamId: data.teamId, companyId: data.companyId, overdueAt: new Date(data.dueAt) });

/** Each type's change, for a batch's events (each read at its handler's version). */
const changeByType: Record<string, (data: any, event: Envelope) => Change> = { [ActivityCreated.type]: created, [ActivityCompleted.type]: completed, [ActivityCancelled.type]: cancelled, [TaskOverdue.type]: overdue };
const changeOf = (event: Envelope<any>): Change => changeByType[event.type]!(event.data, event);

export const activityFactsConsumer: ConsumerSpec = {
  groupId: 'analytics.activity-facts',
  // Its facts and counters are exact under concurrent writers (compare-and-set, tokens): several records at once.
  parallelKeys: 8,
  // The same claims and tokens make an event that comes again change nothing: no look-up of processed records first.
  idempotent: true,
  handlers: [
    on(ActivityCreated, (data, event) => applyActivityEvent(event, data.activityId, created(data, event), true)),
    on(ActivityCompleted, (data, event) => applyActivityEvent(event, data.activityId, completed(data, event))),
    on(ActivityCancelled, (data, event) => applyActivityEvent(event, data.activityId, cancelled(data))),
    on(TaskOverdue, (data, event) => applyActivityEvent(event, data.activityId, overdue(data))),
  ],
  // A fetched batch at once: each activity's events folded, a few store commands for all (counted-facts.batch.ts).
  batch: onBatch([ActivityCreated, ActivityCompleted, ActivityCancelled, TaskOverdue], (events) =>
    writeFactsTogether<ActivityFactState>(
      ActivityFactModel,
      events.map((event) => ({ tenantId: event.tenantId, factId: (event.data as { activityId: string }).activityId, steps: [stepOf(event, changeOf(event))] })),
      activityContributions,
    ),
  ),
};
