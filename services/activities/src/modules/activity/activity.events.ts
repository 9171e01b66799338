import { ActivityCancelled, ActivityCompleted, ActivityCreated, ActivityUpdated, createEvent, eventMeta, type EventCause } from '@crm/events';
import type { ActivityDoc } from './activity.model';

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;

/** What the activity events say of the activity itself (its kind, subject, assignee, links and timing): the catalogue's `activityFacts`, so no end (ActivityCompleted has none). */
const factsOf = (activity: ActivityDoc) => ({
  activityId: activity._id.toString(),
  kind: activity.kind,
  subject: activity.subject,
  assigneeId: activity.assigneeId,
  dueAt: iso(activity.dueAt),
  dealId: activity.dealId ?? null,
  companyId: activity.companyId ?? null,
  contactIds: activity.contactIds ?? [],
  place: activity.place ?? null,
  startAt: iso(activity.startAt),
  campaignId: activity.campaignId ?? null,
  teamId: activity.teamId ?? null,
});

/** Shared by the mutation (meta from the request) and the consumers (meta from the causing event). */
export const activityCreated = (activity: ActivityDoc, cause: EventCause) =>
  createEvent(ActivityCreated, eventMeta(cause, activity._id.toString()), { ...factsOf(activity), endAt: iso(activity.endAt), status: activity.status, userIds: activity.userIds ?? [] });

/** `activity` as it is once done; `completedBy`: the request's user. */
export const activityCompleted = (activity: ActivityDoc, cause: EventCause & { userId: string }) =>
  createEvent(ActivityCompleted, eventMeta(cause, activity._id.toString()), {
    ...factsOf(activity),
    completedBy: cause.userId,
    outcome: activity.outcome ?? null,
    durationMinutes: activity.durationMinutes ?? null,
    completedAt: (activity.completedAt ?? new Date()).toISOString(),
    response: activity.response ?? null,
  });

export const activityCancelled = (activity: ActivityDoc, cause: EventCause & { userId: string }) =>
  createEvent(ActivityCancelled, eventMeta(cause, activity._id.toString()), {
    activityId: activity._id.toString(),
    kind: activity.kind,
    assigneeId: activity.assigneeId,
    cancelledBy: cause.userId,
    reason: activity.cancelReason ?? null,
    dealId: activity.dealId ?? null,
    companyId: activity.companyId ?? null,
    campaignId: activity.campaignId ?? null,
  });

/** A field's value as an event carries it: JSON (dates as ISO text, ids as text). */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null));

/** The fields among `fields` whose value differs between `before` and `after`, with both values. */
export function activityChanges(before: ActivityDoc, after: ActivityDoc, fields: string[]) {
  return fields.flatMap((field) => {
    const from = asJson(before[field as keyof ActivityDoc]);
    const to = asJson(after[field as keyof ActivityDoc]);
    return JSON.stringify(from) === JSON.stringify(to) ? [] : [{ field, from, to }];
  });
}

/** `activity` as it is after the change; `changes` from activityChanges (at least one). */
export const activityUpdated = (activity: ActivityDoc, changes: { field: string; from: unknown; to: unknown }[], cause: EventCause & { userId: string }) =>
  createEvent(ActivityUpdated, eventMeta(cause, activity._id.toString()), { ...factsOf(activity), endAt: iso(activity.endAt), changes, updatedBy: cause.userId });
