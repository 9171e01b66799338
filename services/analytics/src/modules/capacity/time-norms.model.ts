import { model, Schema } from 'mongoose';

/** A tenant's time norms as the activities service last published them (TimeNormsChanged). */
export interface TimeNormsDoc {
  /** The tenant id: one document per tenant. */
  _id: string;
  tenantId: string;
  /** OperationKind -> minutes. */
  norms: Record<string, number>;
  /** When the change was made (the event's occurredAt): an older change arriving late is ignored. */
  changedAt: Date;
}

const schema = new Schema<TimeNormsDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    norms: { type: Schema.Types.Mixed, required: true },
    changedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'time_norms', minimize: false },
);
// No secondary index: read and written by _id (the tenant).

export const TimeNormsModel = model<TimeNormsDoc>('TimeNorms', schema);
