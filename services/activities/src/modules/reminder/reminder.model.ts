import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema } from 'mongoose';

export const reminderTypes = ['REMINDER', 'OVERDUE'] as const;
export type ReminderType = (typeof reminderTypes)[number];

/**
 * One claim per (activity, reminder, time): the scheduler publishes its event by moving it from
 * PENDING to SENT in one conditional write that also carries the event (outbox), so of any number
 * of instances, before or after a restart, exactly one publishes it.
 */
export interface ReminderDoc extends HasOutbox {
  /** Deterministic: reminder.rules.ts claimId. */
  _id: string;
  tenantId: string;
  activityId: string;
  type: ReminderType;
  /** REMINDER: minutes before the start (or due time); OVERDUE: null. */
  minutesBefore: number | null;
  fireAt: Date;
  /** FAILED: its event could not be made valid (see the scheduler); never retried. */
  status: 'PENDING' | 'SENT' | 'DROPPED' | 'FAILED';
  sentAt?: Date | null;
  failure?: string | null;
  /**
   * The highest claimsVersion of its activity that wanted it (absent on claims written before it
   * existed): a sync for an older version never removes it, nor does the scheduler drop it once a
   * newer version wanted it again.
   */
  claimsVersion?: number;
}

const schema = new Schema<ReminderDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    activityId: { type: String, required: true },
    type: { type: String, enum: reminderTypes, required: true },
    minutesBefore: { type: Number, default: null },
    fireAt: { type: Date, required: true },
    status: { type: String, enum: ['PENDING', 'SENT', 'DROPPED', 'FAILED'], required: true, default: 'PENDING' },
    sentAt: { type: Date, default: null },
    failure: { type: String, default: null },
    claimsVersion: { type: Number },
  },
  { timestamps: true, versionKey: false, collection: 'activity_reminders' },
);
schema.plugin(outboxPlugin);
// The scheduler's poll: due claims of every tenant, earliest first (the one query not led by
// tenantId: the scheduler serves all tenants; each claim and its event carry their own).
schema.index({ status: 1, fireAt: 1 });
// An activity's claims, replaced when it changes.
schema.index({ tenantId: 1, activityId: 1 });

export const ReminderModel = model<ReminderDoc>('ActivityReminder', schema);
