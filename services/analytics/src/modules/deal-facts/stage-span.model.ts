import { model, Schema } from 'mongoose';

/**
 * One stay of a deal in a stage (`_id` = `<deal>:<n>`, the deal's n-th stage entry, so a replay
 * writes the same document). `leftAt` null while the deal is still there.
 */
export interface StageSpanDoc {
  _id: string;
  tenantId: string;
  pipelineId: string;
  dealId: string;
  stageId: string;
  enteredAt: Date;
  leftAt: Date | null;
  /** (leftAt - enteredAt) in days; null while open. */
  days: number | null;
  /** The revision of the fact's claim that wrote it last: a late write of an older claim changes nothing (absent on spans written before). */
  rev?: number;
}

const schema = new Schema<StageSpanDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    pipelineId: { type: String, required: true },
    dealId: { type: String, required: true },
    stageId: { type: String, required: true },
    enteredAt: { type: Date, required: true },
    leftAt: { type: Date, default: null },
    days: { type: Number, default: null },
    rev: { type: Number },
  },
  { versionKey: false, collection: 'deal_stage_spans' },
);
// The sales cycle reads the spans that ended in a period.
schema.index({ tenantId: 1, pipelineId: 1, leftAt: 1 });

export const StageSpanModel = model<StageSpanDoc>('StageSpan', schema);

export const spanId = (dealId: string, entry: number) => `${dealId}:${entry}`;
