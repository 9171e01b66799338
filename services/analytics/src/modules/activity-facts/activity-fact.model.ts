import { model, Schema } from 'mongoose';
import { countedFactPlugin, type CountedFields } from '../fact-counters/counted-fact';

/**
 * One activity as manager activity and campaigns count it (id = activity id), from the
 * activities service's events. Its contributions (activity-fact.contributions.ts) move the
 * per-(user, day) activity counters and the per-(campaign, day) campaign counters.
 */
export interface ActivityFactState {
  kind: string;
  assigneeId: string;
  /** The assignee's team when the activity was recorded or last changed, else null. */
  teamId: string | null;
  companyId: string | null;
  campaignId: string | null;
  status: 'PLANNED' | 'DONE' | 'CANCELLED';
  /** When it was recorded (ActivityCreated's occurredAt); null until seen. */
  createdAt: Date | null;
  completedAt: Date | null;
  /** Set by TaskOverdue: the due time that passed while it was still planned. */
  overdueAt: Date | null;
  /** A campaign send the client answered (completeActivity's `response`). */
  response: boolean;
  /** The newest event applied: an older one arriving late changes nothing. */
  lastEventAt: Date;
}

export type ActivityFactDoc = ActivityFactState & CountedFields & { _id: string; tenantId: string };

const schema = new Schema<ActivityFactDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    kind: { type: String, required: true },
    assigneeId: { type: String, required: true },
    teamId: { type: String, default: null },
    companyId: { type: String, default: null },
    campaignId: { type: String, default: null },
    status: { type: String, required: true },
    createdAt: { type: Date, default: null },
    completedAt: { type: Date, default: null },
    overdueAt: { type: Date, default: null },
    response: { type: Boolean, default: false },
    lastEventAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'activity_facts', minimize: false },
);
schema.plugin(countedFactPlugin);
// Events reach a fact by _id; a campaign lists the companies its sends contacted.
schema.index({ tenantId: 1, campaignId: 1 });

export const ActivityFactModel = model<ActivityFactDoc>('ActivityFact', schema);
