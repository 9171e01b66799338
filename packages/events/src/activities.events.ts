import { z } from 'zod';
import { defineEvent } from './define';
import { fieldChanges } from './field-change';
import { topics } from './topics';

const iso = z.iso.datetime({ offset: true });

/** Where a meeting takes place: it sets the time norm (MEETING_OFFICE or MEETING_ON_SITE). */
export const meetingPlaces = ['OFFICE', 'ON_SITE'] as const;
export const meetingPlace = z.enum(meetingPlaces);

/** The operations a tenant's time norms price in minutes (capacity planning in analytics). */
export const operationKinds = [
  'CALL', 'MEETING_OFFICE', 'MEETING_ON_SITE', 'EMAIL', 'LETTER', 'PRESENTATION',
  'DEMO', 'DOCUMENT', 'CONTRACT', 'TASK', 'NOTE', 'CHAT',
] as const;
export const operationKind = z.enum(operationKinds);
export type OperationKind = z.infer<typeof operationKind>;

/** The domain file's defaults, minutes per operation, for a tenant that set none. */
export const DEFAULT_TIME_NORMS: Readonly<Record<OperationKind, number>> = Object.freeze({
  CALL: 15,
  MEETING_OFFICE: 60,
  MEETING_ON_SITE: 180,
  EMAIL: 10,
  LETTER: 20,
  PRESENTATION: 60,
  DEMO: 60,
  DOCUMENT: 30,
  CONTRACT: 60,
  TASK: 30,
  NOTE: 5,
  CHAT: 5,
});

/**
 * What ActivityCreated and ActivityCompleted both say about an activity: its kind, subject,
 * assignee, links and timing. The fields after `companyId` were added in place for issue 9
 * (optional, same version), so earlier events still read.
 */
const activityFacts = {
  activityId: z.string().min(1),
  kind: z.string().min(1),
  subject: z.string().min(1),
  assigneeId: z.string().min(1),
  dueAt: iso.nullish(),
  dealId: z.string().nullish(),
  companyId: z.string().nullish(),
  /** The people it concerns. */
  contactIds: z.array(z.string().min(1)).max(20).optional(),
  /** A meeting's place; null for other kinds. */
  place: meetingPlace.nullish(),
  startAt: iso.nullish(),
  /** A campaign send when set (see analytics' campaigns). */
  campaignId: z.string().nullish(),
  /** The assignee's team when known, else null. */
  teamId: z.string().nullish(),
};

/** The activity the examples speak of. */
const exampleMeeting = {
  activityId: '665f1f208b3e4a0012a4b601',
  kind: 'MEETING',
  subject: 'Walk the warehouse with the facility manager',
  dueAt: null,
  assigneeId: 'user-anna',
  dealId: '665f1e108b3e4a0012a4b5f0',
  companyId: '665f1c2e8b3e4a0012a4b5c6',
  contactIds: ['665f1c4a8b3e4a0012a4b5c9'],
  place: 'ON_SITE' as const,
  startAt: '2026-12-03T09:00:00.000Z',
  endAt: '2026-12-03T11:30:00.000Z',
  campaignId: null,
  teamId: 'team-north',
};

export const ActivityCreated = defineEvent({
  type: 'ActivityCreated',
  version: 1,
  source: 'activities',
  topic: topics.activity,
  aggregateType: 'Activity',
  data: z.object({
    ...activityFacts,
    status: z.enum(['PLANNED', 'DONE', 'CANCELLED']),
    endAt: iso.nullish(),
    /** Participant users besides the assignee. */
    userIds: z.array(z.string().min(1)).max(20).optional(),
  }),
  example: { ...exampleMeeting, status: 'PLANNED', userIds: ['user-bob'] },
});

/**
 * A planned activity was changed (`updateActivity`): rescheduled, given to someone else, renamed,
 * relinked. Carries the activity's facts after the change and the fields that changed.
 */
export const ActivityUpdated = defineEvent({
  type: 'ActivityUpdated',
  version: 1,
  source: 'activities',
  topic: topics.activity,
  aggregateType: 'Activity',
  data: z.object({
    ...activityFacts,
    endAt: iso.nullish(),
    changes: fieldChanges(50),
    /** The user who changed it. */
    updatedBy: z.string().min(1),
  }),
  example: {
    ...exampleMeeting,
    assigneeId: 'user-bob',
    startAt: '2026-12-04T09:00:00.000Z',
    endAt: '2026-12-04T11:30:00.000Z',
    changes: [
      { field: 'assigneeId', from: 'user-anna', to: 'user-bob' },
      { field: 'startAt', from: '2026-12-03T09:00:00.000Z', to: '2026-12-04T09:00:00.000Z' },
    ],
    updatedBy: 'user-anna',
  },
});

/** A planned activity was done (by `completeActivity`): the call made, the meeting held, the task finished. */
export const ActivityCompleted = defineEvent({
  type: 'ActivityCompleted',
  version: 1,
  source: 'activities',
  topic: topics.activity,
  aggregateType: 'Activity',
  data: z.object({
    ...activityFacts,
    /** The user who marked it done. */
    completedBy: z.string().min(1),
    outcome: z.string().max(2000).nullish(),
    /** The actual time spent, in minutes. */
    durationMinutes: z.number().nonnegative().nullish(),
    completedAt: iso.optional(),
    /** True when the client responded to a campaign send. */
    response: z.boolean().nullish(),
  }),
  example: {
    activityId: '665f1e2a8b3e4a0012a4b5e1',
    kind: 'MEETING',
    subject: 'Site visit with the facility manager',
    assigneeId: 'user-anna',
    completedBy: 'user-anna',
    dealId: '665f1d8c8b3e4a0012a4b5d7',
    companyId: '665f1c2e8b3e4a0012a4b5c6',
    outcome: 'Agreed a trial of two floors from January',
    durationMinutes: 150,
    completedAt: '2026-12-03T11:40:00.000Z',
    place: 'ON_SITE',
    dueAt: null,
    startAt: '2026-12-03T09:00:00.000Z',
    campaignId: null,
    response: null,
    teamId: 'team-north',
    contactIds: ['665f1c4a8b3e4a0012a4b5c9'],
  },
});

/** A planned activity was called off (by `cancelActivity`). */
export const ActivityCancelled = defineEvent({
  type: 'ActivityCancelled',
  version: 1,
  source: 'activities',
  topic: topics.activity,
  aggregateType: 'Activity',
  data: z.object({
    activityId: z.string().min(1),
    kind: z.string().min(1),
    assigneeId: z.string().min(1),
    cancelledBy: z.string().min(1),
    reason: z.string().max(2000).nullish(),
    dealId: z.string().nullish(),
    companyId: z.string().nullish(),
    campaignId: z.string().nullish(),
  }),
  example: {
    activityId: '665f1e2a8b3e4a0012a4b5e1',
    kind: 'CALL',
    assigneeId: 'user-anna',
    cancelledBy: 'user-anna',
    reason: 'The client moved the decision to next quarter',
    dealId: '665f1d8c8b3e4a0012a4b5d7',
    companyId: '665f1c2e8b3e4a0012a4b5c6',
    campaignId: null,
  },
});

/** A reminder of a planned activity is due: published once per (activity, reminder) by the scheduler. */
export const ActivityReminderDue = defineEvent({
  type: 'ActivityReminderDue',
  version: 1,
  source: 'activities',
  topic: topics.activity,
  aggregateType: 'Activity',
  data: z
    .object(activityFacts)
    .pick({ activityId: true, kind: true, subject: true, assigneeId: true })
    .extend({
      remindAt: iso,
      /** The activity's start, or its due time when it has no start. */
      startsAt: iso,
      minutesBefore: z.number().int().nonnegative(),
    }),
  example: {
    activityId: '665f1e2a8b3e4a0012a4b5e1',
    kind: 'CALL',
    subject: 'Confirm the delivery window',
    assigneeId: 'user-anna',
    remindAt: '2026-12-03T08:45:00.000Z',
    startsAt: '2026-12-03T09:00:00.000Z',
    minutesBefore: 15,
  },
});

/** A planned activity's due time (or end) passed while it was still planned: published once by the scheduler. */
export const TaskOverdue = defineEvent({
  type: 'TaskOverdue',
  version: 1,
  source: 'activities',
  topic: topics.activity,
  aggregateType: 'Activity',
  data: z
    .object(activityFacts)
    .pick({ activityId: true, kind: true, subject: true, assigneeId: true, dealId: true, companyId: true, teamId: true })
    .extend({ dueAt: iso }),
  example: {
    activityId: '665f1f208b3e4a0012a4b601',
    kind: 'TASK',
    subject: 'Send the racking layout',
    assigneeId: 'user-anna',
    dueAt: '2026-12-03T16:00:00.000Z',
    dealId: '665f1e108b3e4a0012a4b5f0',
    companyId: '665f1c2e8b3e4a0012a4b5c6',
    teamId: 'team-north',
  },
});

/** A tenant changed its time norms: the whole table after the change (all 12 operations, defaults filled in). */
export const TimeNormsChanged = defineEvent({
  type: 'TimeNormsChanged',
  version: 1,
  source: 'activities',
  topic: topics.activitySettings,
  aggregateType: 'TenantSettings',
  data: z.object({
    norms: z
      .array(z.object({ operation: operationKind, minutes: z.number().positive().max(10080) }))
      .length(operationKinds.length),
  }),
  example: {
    norms: operationKinds.map((operation) => ({ operation, minutes: operation === 'CALL' ? 20 : DEFAULT_TIME_NORMS[operation] })),
  },
});
