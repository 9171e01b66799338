import { model, Schema, type Types } from 'mongoose';
import type { FilterInput } from '../list-filter/compile-filter';

/** A company of the batch in progress, with its owner before the assignment. */
export interface PendingCompany {
  companyId: Types.ObjectId;
  previousOwnerId: string | null;
}

/**
 * One assignSegment run, written before and after each batch so that a run cut short (crash,
 * restart) resumes where it stopped and counts right: `lastId` is the last company of the last
 * finished batch (companies are walked by id), `pending` the batch in progress with each
 * company's previous owner, so a resumed run tells "assigned before the crash" from "already the
 * owner's". `leaseUntil` keeps two runners off one job.
 */
export interface SegmentAssignmentDoc {
  _id: Types.ObjectId;
  tenantId: string;
  segmentId: Types.ObjectId;
  ownerId: string;
  /** The segment's filter when the run started: editing the segment does not change a running job. */
  filter: FilterInput;
  status: 'RUNNING' | 'DONE';
  matched: number;
  assigned: number;
  skipped: number;
  lastId: Types.ObjectId | null;
  pending: PendingCompany[];
  leaseUntil: Date | null;
  startedBy: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

const schema = new Schema<SegmentAssignmentDoc>(
  {
    tenantId: { type: String, required: true },
    segmentId: { type: Schema.Types.ObjectId, required: true },
    ownerId: { type: String, required: true },
    filter: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true },
    matched: { type: Number, default: 0 },
    assigned: { type: Number, default: 0 },
    skipped: { type: Number, default: 0 },
    lastId: { type: Schema.Types.ObjectId, default: null },
    pending: { type: [new Schema<PendingCompany>({ companyId: { type: Schema.Types.ObjectId, required: true }, previousOwnerId: String }, { _id: false })], default: [] },
    leaseUntil: { type: Date, default: null },
    startedBy: { type: String, required: true },
    finishedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false, collection: 'segment_assignments', minimize: false },
);
// The unfinished run of a segment for an owner, to resume it.
schema.index({ tenantId: 1, segmentId: 1, ownerId: 1, status: 1 });

export const SegmentAssignmentModel = model<SegmentAssignmentDoc>('SegmentAssignment', schema);
