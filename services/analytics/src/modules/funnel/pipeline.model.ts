import { model, Schema } from 'mongoose';
import type { StageInput } from './funnel.math';

/** The deals service's pipeline as analytics knows it, from PipelineCreated and PipelineUpdated. */
export interface PipelineDoc {
  /** The pipeline id from the deals service: global, so a PipelineCreated of another tenant with it is refused. */
  _id: string;
  tenantId: string;
  name: string;
  stages: StageInput[];
  updatedAt?: Date;
}

const schema = new Schema<PipelineDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    stages: [{ _id: false, id: { type: String, required: true }, name: { type: String, required: true }, position: { type: Number, required: true }, kind: { type: String }, probability: { type: Number }, expectedDurationDays: { type: Number } }],
    updatedAt: { type: Date },
  },
  { versionKey: false, collection: 'pipelines' },
);
// No secondary index: every read and write goes by _id (with tenantId in the filter).

export const PipelineModel = model<PipelineDoc>('Pipeline', schema);
