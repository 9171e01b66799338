import { model, models, Schema, type Model } from 'mongoose';

/** One record per (consumer, event): the consumer's memory of what it already handled. */
export interface ProcessedEvent {
  _id: string;
  tenantId: string;
  consumer: string;
  eventId: string;
  eventType: string;
  processedAt: Date;
  /** UTC day of `processedAt`, for the clean-up (see day-bucket.ts); absent on records older than it. */
  day?: string;
}

const schema = new Schema<ProcessedEvent>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    consumer: { type: String, required: true },
    eventId: { type: String, required: true },
    eventType: { type: String, required: true },
    processedAt: { type: Date, required: true },
    day: { type: String },
  },
  { versionKey: false, collection: 'processed_events' },
);
schema.index({ tenantId: 1, consumer: 1, eventId: 1 }, { unique: true });
// Not led by tenantId: the clean-up serves every tenant, by day.
schema.index({ day: 1 });

export const ProcessedEventModel: Model<ProcessedEvent> =
  (models.ProcessedEvent as Model<ProcessedEvent>) ?? model<ProcessedEvent>('ProcessedEvent', schema);
