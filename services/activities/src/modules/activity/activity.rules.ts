import { badInput, type ListBound } from '@crm/service-kit';
import type { ActivityDoc, ActivityKind, DocumentInfo, MeetingPlace } from './activity.model';

/** Query.activities and Deal.activities: as in activity.graphql. More needs a dated window (a later issue). */
export const ACTIVITY_LIST: ListBound = { default: 20, max: 200 };

/** Latest due first; MongoDB (and FerretDB) sort missing and null dates after every date when descending. */
export const LATEST_DUE_FIRST = { dueAt: -1, _id: -1 } as const;

const MINUTE_MS = 60 * 1000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** The longest an activity may last: the agenda reads spans that start at most this long before its range. */
export const MAX_SPAN_DAYS = 14;
export const MAX_SPAN_MS = MAX_SPAN_DAYS * DAY_MS;

/** When a planned activity is late: its due time, or its end when it has none. */
export const deadlineOf = (activity: Pick<ActivityDoc, 'dueAt' | 'endAt'>): Date | null => activity.dueAt ?? activity.endAt ?? null;

/** When reminders count back from: the start, or the due time when it has none. */
export const startsAtOf = (activity: Pick<ActivityDoc, 'startAt' | 'dueAt'>): Date | null => activity.startAt ?? activity.dueAt ?? null;

export const isOverdue = (activity: Pick<ActivityDoc, 'status' | 'dueAt' | 'endAt'>, now = new Date()): boolean => {
  const deadline = deadlineOf(activity);
  return activity.status === 'PLANNED' && deadline != null && deadline.getTime() < now.getTime();
};

/** What decides whether an activity is well formed, whichever write produced it. */
export interface ActivityShape {
  kind: ActivityKind;
  place?: MeetingPlace | null;
  document?: DocumentInfo | null;
  startAt?: Date | null;
  endAt?: Date | null;
  dueAt?: Date | null;
  reminders?: number[];
}

/** Refuses (BAD_USER_INPUT naming the field) what zod cannot see field by field: rules across fields. */
export function checkShape(activity: ActivityShape): void {
  if (activity.kind === 'MEETING' && !activity.place) throw badInput('a meeting needs its place (OFFICE or ON_SITE)', 'place');
  if (activity.kind !== 'MEETING' && activity.place) throw badInput('only a meeting has a place', 'place');
  if (activity.kind === 'DOCUMENT' && !activity.document) throw badInput('a document activity needs its document (at least a title)', 'document');
  if (activity.kind !== 'DOCUMENT' && activity.document) throw badInput('only a DOCUMENT activity has a document', 'document');
  const { startAt, endAt, dueAt } = activity;
  if ((startAt == null) !== (endAt == null)) throw badInput('give both startAt and endAt, or neither', startAt == null ? 'startAt' : 'endAt');
  if (startAt && endAt) {
    if (endAt.getTime() <= startAt.getTime()) throw badInput('endAt must be after startAt', 'endAt');
    if (endAt.getTime() - startAt.getTime() > MAX_SPAN_MS) throw badInput(`an activity lasts at most ${MAX_SPAN_DAYS} days`, 'endAt');
    if (dueAt) throw badInput('give startAt and endAt, or dueAt, not both', 'dueAt');
  }
  const document = activity.document;
  if (document?.sentAt && document.replyReceivedAt && document.replyReceivedAt.getTime() < document.sentAt.getTime()) {
    throw badInput('a reply cannot come before the document was sent', 'document.replyReceivedAt');
  }
  if ((activity.reminders?.length ?? 0) > 0 && !startsAtOf(activity)) throw badInput('reminders need a start or a due time', 'reminders');
}

/** The derived fields the agenda queries by: the span (a point for a due time) and the people whose calendars show it. */
export function calendarFields(activity: Pick<ActivityDoc, 'startAt' | 'endAt' | 'dueAt' | 'assigneeId' | 'userIds'>) {
  return {
    spanStart: activity.startAt ?? activity.dueAt ?? null,
    spanEnd: activity.endAt ?? activity.dueAt ?? null,
    attendeeIds: [...new Set([activity.assigneeId, ...(activity.userIds ?? [])])],
  };
}

export const stageTaskSubject = (stageName: string, dealTitle: string) => `Stage ${stageName}: ${dealTitle}`;

/** The stage's task: one day after the deal entered the stage. */
export const stageTaskDueAt = (enteredAt: Date) => new Date(enteredAt.getTime() + DAY_MS);

/** A key step is due when the stage's expected duration ends (one day when the stage sets none). */
export const keyStepDueAt = (enteredAt: Date, expectedDurationDays: number | null) => new Date(enteredAt.getTime() + (expectedDurationDays ?? 1) * DAY_MS);

/** A post-sale follow-up: its days after the win. */
export const followUpDueAt = (wonAt: Date, afterDays: number) => new Date(wonAt.getTime() + afterDays * DAY_MS);
