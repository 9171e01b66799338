import { model, Schema } from 'mongoose';

/**
 * What activities needs of a pipeline of the deals service (`_id` = `<tenantId>:<pipelineId>`),
 * from its PipelineCreated / PipelineUpdated events: each stage's key steps and expected
 * duration, and the follow-ups after a win. `eventAt` orders the events: an older one never
 * overwrites a newer one. `version`: the pipeline's version the event carried (null from events
 * published before deals counted them): a deal event naming a newer one waits for it (plan-waits.ts).
 */
export interface PipelinePlanDoc {
  _id: string;
  tenantId: string;
  pipelineId: string;
  stages: { id: string; keySteps: { id: string; title: string; role: string }[]; expectedDurationDays: number | null }[];
  followUps: { title: string; role: string; afterDays: number }[];
  eventAt: Date;
  version?: number | null;
}

const schema = new Schema<PipelinePlanDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    pipelineId: { type: String, required: true },
    stages: {
      type: [
        new Schema(
          {
            id: String,
            keySteps: [new Schema({ id: String, title: String, role: String }, { _id: false })],
            expectedDurationDays: { type: Number, default: null },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    followUps: { type: [new Schema({ title: String, role: String, afterDays: Number }, { _id: false })], default: [] },
    eventAt: { type: Date, required: true },
    version: { type: Number, default: null },
  },
  { versionKey: false, collection: 'pipeline_plans' },
);
schema.index({ tenantId: 1, pipelineId: 1 }, { unique: true });

export const PipelinePlanModel = model<PipelinePlanDoc>('PipelinePlan', schema);

export const planId = (tenantId: string, pipelineId: string) => `${tenantId}:${pipelineId}`;
