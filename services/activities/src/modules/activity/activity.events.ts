import { ActivityCancelled, ActivityCompleted, ActivityCreated, createEvent, eventMeta, type EventCause } from '@crm/events';
import type { ActivityDoc } from './activity.model';

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;

/** Shared by the mutation (meta from the request) and the consumers (meta from the causing event). */
export const activityCreated = (activity: ActivityDoc, cause: EventCause) =>
  createEvent(ActivityCreated, eventMeta(cause, activity._id.toString()), {
    activityId: activity._id.toString(),
    kind: activity.kind,
    subject: activity.subject,
    status: activity.status,
    dueAt: iso(activity.dueAt),
    assigneeId: activity.assigneeId,
    dealId: activity.dealId ?? null,
    companyId: activity.companyId ?? null,
    contactIds: activity.contactIds ?? [],
    place: activity.place ?? null,
    startAt: iso(activity.startAt),
    endAt: iso(activity.endAt),
    userIds: activity.userIds ?? [],
    campaignId: activity.campaignId ?? null,
    teamId: activity.teamId ?? null,
  });

/** `activity` as it is once done; `completedBy`: the request's user. */
export const activityCompleted = (activity: ActivityDoc, cause: EventCause & { userId: string }) =>
  createEvent(ActivityCompleted, eventMeta(cause, activity._id.toString()), {
    activityId: activity._id.toString(),
    kind: activity.kind,
    subject: activity.subject,
    assigneeId: activity.assigneeId,
    completedBy: cause.userId,
    dealId: activity.dealId ?? null,
    companyId: activity.companyId ?? null,
    outcome: activity.outcome ?? null,
    durationMinutes: activity.durationMinutes ?? null,
    completedAt: (activity.completedAt ?? new Date()).toISOString(),
    place: activity.place ?? null,
    dueAt: iso(activity.dueAt),
    startAt: iso(activity.startAt),
    campaignId: activity.campaignId ?? null,
    response: activity.response ?? null,
    teamId: activity.teamId ?? null,
    contactIds: activity.contactIds ?? [],
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
