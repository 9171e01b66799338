import type { Connection } from '@crm/service-kit';
import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema, type Types } from 'mongoose';
import type { FilterInput } from '../list-filter/compile-filter';

/**
 * A saved company filter. The filter is kept as the client gave it and compiled at each use.
 * A deleted segment stays as a tombstone (`deletedAt`, its name freed) so that its
 * SegmentChanged leaves through its own outbox; reads skip it.
 */
export interface SegmentDoc extends HasOutbox {
  _id: Types.ObjectId;
  tenantId: string;
  name: string;
  entity: 'COMPANY';
  filter: FilterInput;
  createdBy: string;
  deletedAt?: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<SegmentDoc>(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    entity: { type: String, required: true },
    filter: { type: Schema.Types.Mixed, required: true },
    createdBy: { type: String, required: true },
    deletedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false, collection: 'segments', minimize: false },
);
schema.index({ tenantId: 1, _id: -1 });
// A name is unique in its tenant (CONFLICT otherwise).
schema.index({ tenantId: 1, name: 1 }, { unique: true });
schema.plugin(outboxPlugin);

/** The segments that exist (not deleted): `deletedAt` null or absent. */
export const LIVE = { deletedAt: null };

/** The name a deleted segment keeps, so that a new segment may take its name. */
export const tombstoneName = (segment: Pick<SegmentDoc, '_id' | 'name'>) => `${segment.name} (deleted ${segment._id.toString()})`;

export const SegmentModel = model<SegmentDoc>('Segment', schema);

export type SegmentConnectionView = Connection<SegmentDoc>;
