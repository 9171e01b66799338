import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema, type Types } from 'mongoose';

export const activityKinds = ['CALL', 'MEETING', 'EMAIL', 'LETTER', 'PRESENTATION', 'DEMO', 'TASK', 'NOTE', 'DOCUMENT', 'CHAT'] as const;
export const activityStatuses = ['PLANNED', 'DONE', 'CANCELLED'] as const;
export type ActivityKind = (typeof activityKinds)[number];
export type ActivityStatus = (typeof activityStatuses)[number];

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
    sourceEventId: { type: String, required: true, default: function (this: ActivityDoc) { return this._id.toHexString(); } },
  },
  { timestamps: true, versionKey: false, collection: 'activities' },
);
// Every index starts with tenantId: no query ever crosses tenants.
schema.plugin(outboxPlugin);
schema.index({ tenantId: 1, dealId: 1 });
schema.index({ tenantId: 1, assigneeId: 1, dueAt: 1 });
// A redelivered event hits this index (duplicate key 11000) instead of creating a second task.
schema.index({ tenantId: 1, sourceEventId: 1 }, { unique: true });

export const ActivityModel = model<ActivityDoc>('Activity', schema);
