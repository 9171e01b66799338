import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema, type Types } from 'mongoose';

export type DealStatus = 'OPEN' | 'WON' | 'LOST';

export interface StageChangeDoc {
  fromStageId: Types.ObjectId | null;
  toStageId: Types.ObjectId;
  movedBy: string;
  movedAt: Date;
  // Absent on entries written before they existed.
  durationSeconds?: number | null;
  skipped?: string[];
  reopened?: boolean;
  lostReason?: string | null;
}

export interface DealContactDoc {
  contactId: string;
  role: string | null;
}

export interface LineItemDoc {
  product: string;
  quantity: number;
  unitPrice: number;
  discountPercent: number;
}

export interface FieldChangeDoc {
  field: string;
  from: unknown;
  to: unknown;
}

export interface DealChangeDoc {
  changedBy: string;
  changedAt: Date;
  changes: FieldChangeDoc[];
}

export interface DoneDoc {
  by: string;
  at: Date;
}

/**
 * A move announced before its pipeline is read (moveDealToStage, reopenDeal): the move's write
 * needs it still there, and an updatePipeline deleting or re-kinding the stage removes it first
 * (pipeline/stage-lock.ts). No event: bookkeeping of the move, not a change of the deal.
 */
export interface EnteringDoc {
  stageId: Types.ObjectId;
  token: string;
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
  // Added with guided selling and deals in depth: absent on deals stored before.
  teamId?: string | null;
  territoryId?: string | null;
  contacts?: DealContactDoc[];
  lineItems?: LineItemDoc[];
  expectedCloseDate?: string | null;
  source?: string | null;
  customFields?: Record<string, unknown>;
  /** When the deal entered its current stage (stale deals are found by it). */
  stageEnteredAt?: Date;
  closedAt?: Date | null;
  lostReason?: string | null;
  /** Key step id → the stage it belongs to, who ticked it and when. A map: ticking is a conditional `$exists: false` write. */
  keyStepsDone?: Record<string, DoneDoc & { stageId: string }>;
  /** Stage id → the latest result recorded for it. */
  stageResults?: Record<string, DoneDoc & { text: string }>;
  /** The latest updateDeal changes, oldest first, at most MAX_CHANGE_LOG. */
  changeLog?: DealChangeDoc[];
  /** A move into this stage under way (or given up: the next move replaces it, a stage deletion removes it). */
  entering?: EnteringDoc | null;
  createdAt: Date;
  updatedAt: Date;
}

export const MAX_CHANGE_LOG = 100;

const stageChangeSchema = new Schema<StageChangeDoc>(
  {
    fromStageId: { type: Schema.Types.ObjectId, default: null },
    toStageId: { type: Schema.Types.ObjectId, required: true },
    movedBy: { type: String, required: true },
    movedAt: { type: Date, required: true },
    durationSeconds: { type: Number, default: null },
    skipped: { type: [String], default: [] },
    reopened: { type: Boolean, default: false },
    lostReason: { type: String, default: null },
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
    teamId: { type: String, default: null },
    territoryId: { type: String, default: null },
    contacts: { type: [{ _id: false, contactId: { type: String, required: true }, role: { type: String, default: null } }], default: [] },
    lineItems: {
      type: [{ _id: false, product: { type: String, required: true }, quantity: Number, unitPrice: Number, discountPercent: Number }],
      default: [],
    },
    expectedCloseDate: { type: String, default: null },
    source: { type: String, default: null },
    customFields: { type: Schema.Types.Mixed, default: () => ({}) },
    stageEnteredAt: { type: Date },
    closedAt: { type: Date, default: null },
    lostReason: { type: String, default: null },
    keyStepsDone: { type: Schema.Types.Mixed, default: () => ({}) },
    stageResults: { type: Schema.Types.Mixed, default: () => ({}) },
    changeLog: { type: [Schema.Types.Mixed], default: [] },
    entering: {
      type: new Schema<EnteringDoc>({ stageId: { type: Schema.Types.ObjectId, required: true }, token: { type: String, required: true } }, { _id: false }),
      default: null,
    },
  },
  { timestamps: true, versionKey: false, collection: 'deals', minimize: false },
);
schema.plugin(outboxPlugin);
// A company's newest deals, read up to a limit straight from the index.
schema.index({ tenantId: 1, companyId: 1, _id: -1 });
schema.index({ tenantId: 1, pipelineId: 1, stageId: 1 });
schema.index({ tenantId: 1, ownerId: 1 });
// Stale deals: a pipeline's open deals, then per stage by the time they entered it.
schema.index({ tenantId: 1, pipelineId: 1, status: 1, stageId: 1, stageEnteredAt: 1 });
// Moves announced into a stage: an updatePipeline deleting or re-kinding it cancels them (pipeline/stage-lock.ts).
schema.index({ tenantId: 1, pipelineId: 1, 'entering.stageId': 1 });
// A contact's deals (`contacts: [{contactId, role}]`): merges of contacts repoint them (modules/merge).
schema.index({ tenantId: 1, 'contacts.contactId': 1 });

export const DealModel = model<DealDoc>('Deal', schema);

/** A stage change as resolvers see it: with its pipeline, to name the stages. */
export type StageChangeView = StageChangeDoc & { pipeline: import('../pipeline/pipeline.model').PipelineDoc };
