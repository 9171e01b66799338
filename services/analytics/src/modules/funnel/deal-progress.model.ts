import { model, Schema } from 'mongoose';

/** A move of one deal's count in its pipeline's counters, claimed on the fact before it is applied. */
export interface PendingCount {
  /** The position the counters hold the deal at now; null when they do not count it yet. */
  from: number | null;
  /** The position they will hold it at. Strictly rises from one move to the next of a deal. */
  to: number;
}

/**
 * How far one deal ever got in its pipeline (the fact), and where the pipeline's counters
 * hold it (`counted`). The counters move only when a fact changes, through `pending`.
 */
export interface DealProgressDoc {
  /** The deal id from the deals service. */
  _id: string;
  tenantId: string;
  pipelineId: string;
  /** The highest stage position the deal ever reached; moving back does not lower it. */
  maxPosition: number;
  /** The position the pipeline's counters count the deal at; null (or absent) before it is counted. */
  counted?: number | null;
  /** A counter move claimed and perhaps applied, not yet confirmed here; null when none. */
  pending?: PendingCount | null;
}

const schema = new Schema<DealProgressDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    pipelineId: { type: String, required: true },
    maxPosition: { type: Number, required: true },
    counted: { type: Number, default: null },
    pending: { type: new Schema<PendingCount>({ from: { type: Number, default: null }, to: { type: Number, required: true } }, { _id: false }), default: null },
  },
  { versionKey: false, collection: 'deal_progress' },
);
// Every index starts with tenantId. Events reach a fact by its _id; this one serves
// occasional lists of a pipeline's facts (tests, audits), never the event path.
schema.index({ tenantId: 1, pipelineId: 1 });

export const DealProgressModel = model<DealProgressDoc>('DealProgress', schema);
