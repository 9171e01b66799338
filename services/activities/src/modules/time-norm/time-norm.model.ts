import { operationKinds, type OperationKind } from '@crm/events';
import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema } from 'mongoose';

/** A tenant's own time norms (`_id` = tenantId); operations it never set take DEFAULT_TIME_NORMS. */
export interface TimeNormsDoc extends HasOutbox {
  _id: string;
  tenantId: string;
  norms: { operation: OperationKind; minutes: number }[];
  /** Raised by every change: a write conditional on it never overwrites a concurrent one. */
  revision: number;
}

const schema = new Schema<TimeNormsDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    norms: { type: [new Schema({ operation: { type: String, enum: operationKinds, required: true }, minutes: { type: Number, required: true } }, { _id: false })], default: [] },
    revision: { type: Number, required: true, default: 0 },
  },
  { timestamps: true, versionKey: false, collection: 'time_norms' },
);
schema.plugin(outboxPlugin);

export const TimeNormsModel = model<TimeNormsDoc>('TimeNorms', schema);
