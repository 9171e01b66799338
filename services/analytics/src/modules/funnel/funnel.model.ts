import { model, Schema } from 'mongoose';
import type { FunnelFigures } from './funnel.math';

/** The precomputed funnel of one pipeline: a query is a key lookup of this document. */
export interface FunnelDoc extends FunnelFigures {
  /** `${tenantId}:${pipelineId}`, see funnelId. */
  _id: string;
  tenantId: string;
  pipelineId: string;
  pipelineName: string;
  /** The pipeline revision this funnel was computed at. */
  revision: number;
  updatedAt: Date;
}

/** Deterministic id: one funnel per pipeline and tenant, found without a query plan. */
export const funnelId = (tenantId: string, pipelineId: string) => `${tenantId}:${pipelineId}`;

const stageSchema = new Schema(
  {
    stageId: { type: String, required: true },
    name: { type: String, required: true },
    position: { type: Number, required: true },
    reached: { type: Number, required: true },
    conversionToNext: { type: Number, default: null },
  },
  { _id: false },
);

const schema = new Schema<FunnelDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    pipelineId: { type: String, required: true },
    pipelineName: { type: String, required: true },
    revision: { type: Number, required: true },
    totalDeals: { type: Number, required: true },
    stages: [stageSchema],
    bottleneckStageId: { type: String, default: null },
    overallConversion: { type: Number, default: null },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'funnels' },
);
// No secondary index: every read and write goes by _id (with tenantId in the filter).

export const FunnelModel = model<FunnelDoc>('Funnel', schema);
