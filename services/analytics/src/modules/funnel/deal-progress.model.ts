import { model, Schema } from 'mongoose';

/**
 * How far one deal ever got in its pipeline (the fact), and where the pipeline's counters
 * hold it (`counted`). The counters move only when a fact changes, through `pendingTo`: a
 * claimed move of the counters from `counted` to `pendingTo`, stamped `pendingAt`, confirmed
 * here once applied (see funnel.projection.ts).
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
  /** A counter move (from `counted` to here) claimed and perhaps applied, not yet confirmed; null when none. */
  pendingTo?: number | null;
  /**
   * The claim's stamp (ms, deal-facts/counter-fence.ts), written with the claim and raised while it
   * is pending by a writer that finds it old; null when nothing is pending, absent on claims
   * written before stamps.
   */
  pendingAt?: number | null;
}

const schema = new Schema<DealProgressDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    pipelineId: { type: String, required: true },
    maxPosition: { type: Number, required: true },
    counted: { type: Number, default: null },
    pendingTo: { type: Number, default: null },
    pendingAt: { type: Number, default: null },
  },
  { versionKey: false, collection: 'deal_progress' },
);
// Every index starts with tenantId. Events reach a fact by its _id; this one serves
// occasional lists of a pipeline's facts (tests, audits), never the event path.
schema.index({ tenantId: 1, pipelineId: 1 });

export const DealProgressModel = model<DealProgressDoc>('DealProgress', schema);
