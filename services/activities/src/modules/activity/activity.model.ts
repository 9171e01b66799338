import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema, type Types } from 'mongoose';

export const activityKinds = ['CALL', 'MEETING', 'EMAIL', 'LETTER', 'PRESENTATION', 'DEMO', 'TASK', 'NOTE', 'DOCUMENT', 'CHAT'] as const;
export const activityStatuses = ['PLANNED', 'DONE', 'CANCELLED'] as const;
export type ActivityKind = (typeof activityKinds)[number];
export type ActivityStatus = (typeof activityStatuses)[number];
export const meetingPlaces = ['OFFICE', 'ON_SITE'] as const;
export type MeetingPlace = (typeof meetingPlaces)[number];

/** What a DOCUMENT activity tracks: the paper sent and the client's answer. */
export interface DocumentInfo {
  title: string;
  version?: string | null;
  sentAt?: Date | null;
  replyReceivedAt?: Date | null;
  replySummary?: string | null;
}

/** A company or contact person of the contacts subgraph, by key. */
export interface ClientRef {
  __typename: 'Company' | 'Contact';
  id: string;
}

/** A Deal as this subgraph knows it: only its key (the deals subgraph owns the rest). */
export interface DealRef {
  __typename?: 'Deal';
  id: string;
}

export interface ActivityDoc extends HasOutbox {
  _id: Types.ObjectId;
  tenantId: string;
  kind: ActivityKind;
  subject: string;
  status: ActivityStatus;
  dueAt?: Date | null;
  assigneeId: string;
  dealId?: string | null;
  /** The client it concerns: a company and people of the contacts subgraph (ids only). Merges there repoint them. */
  companyId?: string | null;
  contactIds: string[];
  /** Participant users besides the assignee. */
  userIds: string[];
  /** A meeting's place (required for MEETING, null for other kinds). */
  place?: MeetingPlace | null;
  document?: DocumentInfo | null;
  outcome?: string | null;
  /** A campaign send when set (analytics counts sends and responses). */
  campaignId?: string | null;
  /** The assignee's team when known (the users directory comes with issue 10). */
  teamId?: string | null;
  startAt?: Date | null;
  endAt?: Date | null;
  /** Actual time spent, in minutes, given on completion. */
  durationMinutes?: number | null;
  /** Minutes before the start (or the due time) at which the scheduler reminds the assignee. */
  reminders: number[];
  /** Derived on every write (activity.rules.ts calendarFields): the time span the agenda reads by index. */
  spanStart?: Date | null;
  spanEnd?: Date | null;
  /** Derived: the assignee and the participant users, whose agendas list it. */
  attendeeIds: string[];
  completedAt?: Date | null;
  completedBy?: string | null;
  response?: boolean | null;
  cancelledAt?: Date | null;
  cancelledBy?: string | null;
  cancelReason?: string | null;
  /** Raised by updateActivity, which writes conditionally on it (updatedAt also moves when the relay empties the outbox). */
  revision?: number;
  /**
   * Set by every write that may change what the activity is reminded of (its insert when it
   * wants claims: by default, or insertMark; updates through withClaimsMark), in that same
   * single-document write; cleared once its claims
   * in activity_reminders are in line with it (reminder.claims.ts syncReminders). A crash or a
   * store failure between the two writes leaves it set, and the scheduler's sweep writes the claims.
   */
  claimsPending?: boolean;
  /** Counts those writes: the mark is cleared only if none came after the one the claims follow. */
  claimsVersion?: number;
  /**
   * Idempotency key: the id of the event that created the activity, or the activity's
   * own id for one entered by hand. Always set, because MongoDB's unique index counts
   * missing values as equal (FerretDB does not, and neither serves partial indexes).
   */
  sourceEventId: string;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<ActivityDoc>(
  {
    tenantId: { type: String, required: true },
    kind: { type: String, enum: activityKinds, required: true },
    subject: { type: String, required: true },
    status: { type: String, enum: activityStatuses, required: true, default: 'PLANNED' },
    dueAt: { type: Date, default: null },
    assigneeId: { type: String, required: true },
    dealId: { type: String, default: null },
    companyId: { type: String, default: null },
    contactIds: { type: [String], default: [] },
    userIds: { type: [String], default: [] },
    place: { type: String, enum: [...meetingPlaces, null], default: null },
    document: {
      type: new Schema<DocumentInfo>(
        { title: String, version: String, sentAt: Date, replyReceivedAt: Date, replySummary: String },
        { _id: false },
      ),
      default: null,
    },
    outcome: { type: String, default: null },
    campaignId: { type: String, default: null },
    teamId: { type: String, default: null },
    startAt: { type: Date, default: null },
    endAt: { type: Date, default: null },
    durationMinutes: { type: Number, default: null },
    reminders: { type: [Number], default: [] },
    spanStart: { type: Date, default: null },
    spanEnd: { type: Date, default: null },
    attendeeIds: { type: [String], default: [] },
    completedAt: { type: Date, default: null },
    completedBy: { type: String, default: null },
    response: { type: Boolean, default: null },
    cancelledAt: { type: Date, default: null },
    cancelledBy: { type: String, default: null },
    cancelReason: { type: String, default: null },
    revision: { type: Number, default: 0 },
    claimsPending: { type: Boolean, default: true },
    claimsVersion: { type: Number, default: 0 },
    sourceEventId: { type: String, required: true, default: function (this: ActivityDoc) { return this._id.toHexString(); } },
  },
  { timestamps: true, versionKey: false, collection: 'activities' },
);
// Every index but the two marks' (outbox, claims: workers that serve every tenant) starts with tenantId.
schema.plugin(outboxPlugin);
// A deal's activities latest due first, read up to a limit straight from the index.
schema.index({ tenantId: 1, dealId: 1, dueAt: -1, _id: -1 });
schema.index({ tenantId: 1, assigneeId: 1, dueAt: 1 });
// A company's and a person's activities (merges in the contacts service repoint them: merge.consumer.ts);
// a company's page by page, newest first (Company.activities).
schema.index({ tenantId: 1, companyId: 1, _id: -1 });
schema.index({ tenantId: 1, contactIds: 1 });
// Agendas: a user's (assignee or participant) and a team's activities by the start of their span.
schema.index({ tenantId: 1, attendeeIds: 1, spanStart: 1 });
schema.index({ tenantId: 1, teamId: 1, spanStart: 1 });
// The scheduler's sweep of activities whose claims lag behind (reminder/claims.sweep.ts): like the
// outbox mark, an equality on a boolean not led by tenantId, as the sweep serves every tenant.
schema.index({ claimsPending: 1 });
// A redelivered event hits this index (a duplicate key, see isDuplicateKey) instead of creating a second task.
schema.index({ tenantId: 1, sourceEventId: 1 }, { unique: true });

export const ActivityModel = model<ActivityDoc>('Activity', schema);
