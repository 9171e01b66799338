import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema, type Types } from 'mongoose';

export type DealStatus = 'OPEN' | 'WON' | 'LOST';

export interface StageChangeDoc {
  fromStageId: Types.ObjectId | null;
  toStageId: Types.ObjectId;
  movedBy: string;
  movedAt: Date;
}

export interface DealDoc extends HasOutbox {
  _id: Types.ObjectId;
  tenantId: string;
  title: string;
  companyId: string;
  pipelineId: Types.ObjectId;
  stageId: Types.ObjectId;
  amount: number;
  currency: string;
  status: DealStatus;
  ownerId: string;
  stageHistory: StageChangeDoc[];
  createdAt: Date;
  updatedAt: Date;
}

const stageChangeSchema = new Schema<StageChangeDoc>(
  {
    fromStageId: { type: Schema.Types.ObjectId, default: null },
    toStageId: { type: Schema.Types.ObjectId, required: true },
    movedBy: { type: String, required: true },
    movedAt: { type: Date, required: true },
  },
  { _id: false },
);

const schema = new Schema<DealDoc>(
  {
    tenantId: { type: String, required: true },
    title: { type: String, required: true },
    companyId: { type: String, required: true },
    pipelineId: { type: Schema.Types.ObjectId, required: true },
    stageId: { type: Schema.Types.ObjectId, required: true },
    amount: { type: Number, required: true },
    currency: { type: String, required: true },
    status: { type: String, enum: ['OPEN', 'WON', 'LOST'], required: true },
    ownerId: { type: String, required: true },
    stageHistory: { type: [stageChangeSchema], default: [] },
  },
  { timestamps: true, versionKey: false, collection: 'deals' },
);
schema.plugin(outboxPlugin);
schema.index({ tenantId: 1, companyId: 1 });
schema.index({ tenantId: 1, pipelineId: 1, stageId: 1 });
schema.index({ tenantId: 1, ownerId: 1 });

export const DealModel = model<DealDoc>('Deal', schema);

/** A stage change as resolvers see it: with its pipeline, to name the stages. */
export type StageChangeView = StageChangeDoc & { pipeline: import('../pipeline/pipeline.model').PipelineDoc };
