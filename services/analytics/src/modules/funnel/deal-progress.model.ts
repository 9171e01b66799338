import { model, Schema } from 'mongoose';

/** How far one deal ever got in its pipeline: the funnel is recomputed from these. */
export interface DealProgressDoc {
  /** The deal id from the deals service. */
  _id: string;
  tenantId: string;
  pipelineId: string;
  /** The highest stage position the deal ever reached; moving back does not lower it. */
  maxPosition: number;
}

const schema = new Schema<DealProgressDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    pipelineId: { type: String, required: true },
    maxPosition: { type: Number, required: true },
  },
  { versionKey: false, collection: 'deal_progress' },
);
// Every index starts with tenantId; this one serves the funnel's $match.
schema.index({ tenantId: 1, pipelineId: 1 });

export const DealProgressModel = model<DealProgressDoc>('DealProgress', schema);
