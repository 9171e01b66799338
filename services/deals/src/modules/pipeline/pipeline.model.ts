import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema, type Types } from 'mongoose';

export interface StageDoc {
  _id: Types.ObjectId;
  name: string;
  position: number;
  probability: number;
}

export interface PipelineDoc extends HasOutbox {
  _id: Types.ObjectId;
  tenantId: string;
  name: string;
  stages: StageDoc[];
  createdAt: Date;
  updatedAt: Date;
}

const stageSchema = new Schema<StageDoc>({
  name: { type: String, required: true },
  position: { type: Number, required: true },
  probability: { type: Number, required: true },
});

const schema = new Schema<PipelineDoc>(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    stages: { type: [stageSchema], required: true },
  },
  { timestamps: true, versionKey: false, collection: 'pipelines' },
);
schema.plugin(outboxPlugin);
schema.index({ tenantId: 1, name: 1 }, { unique: true });

export const PipelineModel = model<PipelineDoc>('Pipeline', schema);

export const stageRef = (stage: StageDoc) => ({ id: stage._id.toString(), name: stage.name, position: stage.position });
