import { model, Schema } from 'mongoose';
import type { ActivityKind } from '../activity/activity.model';

/** The latest DONE activity per contact person (`_id` = `<tenantId>:<contactId>`), kept by last-touch.consumer.ts. */
export interface LastTouchDoc {
  _id: string;
  tenantId: string;
  contactId: string;
  at: Date;
  kind: ActivityKind;
  activityId: string;
}

const schema = new Schema<LastTouchDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    contactId: { type: String, required: true },
    at: { type: Date, required: true },
    kind: { type: String, required: true },
    activityId: { type: String, required: true },
  },
  { versionKey: false, collection: 'contact_last_touches' },
);
// Contact.lastTouch reads by (tenant, contact): a batch of contacts is one $in.
schema.index({ tenantId: 1, contactId: 1 }, { unique: true });

export const LastTouchModel = model<LastTouchDoc>('ContactLastTouch', schema);
