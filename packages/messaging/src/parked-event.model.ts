import { model, models, Schema, type Model } from 'mongoose';

/**
 * An outbox event the relay will never be able to publish (too large for the broker, a type or
 * version the catalogue does not know, a broken envelope), moved aside with the reason so that
 * the events behind it flow on. A human looks at it; the clean-up deletes it after the retention.
 */
export interface ParkedEvent {
  /** `<collection>:<document id>:<event id>`: parking the same event again changes nothing. */
  _id: string;
  tenantId: string;
  /** The collection whose outbox held it. */
  model: string;
  event: unknown;
  reason: string;
  at: Date;
  /** UTC day of `at`, for the clean-up (see day-bucket.ts). */
  day: string;
}

const schema = new Schema<ParkedEvent>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    model: { type: String, required: true },
    event: { type: Schema.Types.Mixed, required: true },
    reason: { type: String, required: true },
    at: { type: Date, required: true },
    day: { type: String, required: true },
  },
  { versionKey: false, collection: 'parked_events', minimize: false },
);
schema.index({ tenantId: 1, at: -1 });
// Not led by tenantId: the clean-up serves every tenant, by day.
schema.index({ day: 1 });

export const ParkedEventModel: Model<ParkedEvent> = (models.ParkedEvent as Model<ParkedEvent>) ?? model<ParkedEvent>('ParkedEvent', schema);
