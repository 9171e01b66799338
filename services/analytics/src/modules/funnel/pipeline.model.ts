import { createReadCache } from '@crm/service-kit';
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

/** Read by every funnel, forecast and sales-cycle query; changed by this service's funnel consumer (savePipeline forgets it). */
const pipelineCache = createReadCache<PipelineDoc>();

/** The tenant's pipelines by id (null: not known here yet): kept ones, the others in one read. */
export function pipelinesByIds(tenantId: string, ids: readonly string[]): Promise<Map<string, PipelineDoc | null>> {
  return pipelineCache.getMany(tenantId, ids, async (missing) => {
    const found = await PipelineModel.find({ tenantId, _id: { $in: missing } }).lean<PipelineDoc[]>();
    return new Map(found.map((pipeline) => [pipeline._id, pipeline]));
  });
}

export const pipelineById = async (tenantId: string, id: string) => (await pipelinesByIds(tenantId, [id])).get(id) ?? null;

/** After a change of the pipeline written by this process. */
export const forgetPipeline = (tenantId: string, id: string) => pipelineCache.forget(tenantId, id);
