import { createReadCache } from '@crm/service-kit';
import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema, Types } from 'mongoose';

export type StageKind = 'OPEN' | 'WON' | 'LOST' | 'POST_SALE';
export type Strictness = 'NONE' | 'WARN' | 'ENFORCE';

/** A checklist item of a stage, done by someone in a sales role. */
export interface KeyStepDoc {
  _id: Types.ObjectId;
  title: string;
  /** A sales role name, upper snake case: MANAGER, HEAD_OF_SALES, LOGISTICS... */
  role: string;
}

/**
 * Pipelines stored before stage kinds existed lack the newer fields: readers go through
 * `stageKind` and the `?? default` of the resolvers, never the raw field.
 */
export interface StageDoc {
  _id: Types.ObjectId;
  name: string;
  position: number;
  probability: number;
  kind?: StageKind;
  task?: string | null;
  result?: string | null;
  keySteps?: KeyStepDoc[];
  expectedDurationDays?: number | null;
  /** Only these roles move deals into the stage (admins always may); empty: everyone with the deal's update right. */
  allowedRoles?: string[];
  /** Kept, shown, left by its deals, entered by none. */
  archived?: boolean;
  /** Removed by updatePipeline while no deal was in it; kept so that stage histories still name it. */
  deleted?: boolean;
}

export interface FollowUpDoc {
  title: string;
  role: string;
  afterDays: number;
}

/**
 * An updatePipeline under way that deletes stages or changes their kind (stage-lock.ts): while
 * it holds, those stages take no deal. Not an edit of the pipeline: no event, no version.
 */
export interface StageLockDoc {
  token: string;
  stageIds: Types.ObjectId[];
  /** Past it, the editor is taken for gone: the first writer that meets the lock removes it. */
  until: Date;
}

/**
 * A stage deleted by updatePipeline, recorded by that write for the stranded-deals sweep
 * (deal/deal.sweep.ts): once `deletedAt` is older than any createDeal can take, the sweep moves
 * on the deals a dying createDeal may have left in it, then removes the record. Bookkeeping: no event.
 */
export interface StageSweepDoc {
  stageId: Types.ObjectId;
  deletedAt: Date;
}

export interface PipelineDoc extends HasOutbox {
  _id: Types.ObjectId;
  tenantId: string;
  name: string;
  stages: StageDoc[];
  strictness?: Strictness;
  followUps?: FollowUpDoc[];
  templateKey?: string | null;
  stageLock?: StageLockDoc | null;
  /** Deleted stages the sweep has still to look into (absent on pipelines stored before it). */
  stageSweeps?: StageSweepDoc[];
  /** Whether `stageSweeps` holds any: the sweep finds its pipelines by this indexed equality. */
  stageSweepPending?: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const keyStepSchema = new Schema<KeyStepDoc>({
  title: { type: String, required: true },
  role: { type: String, required: true },
});

const stageSchema = new Schema<StageDoc>({
  name: { type: String, required: true },
  position: { type: Number, required: true },
  probability: { type: Number, required: true },
  kind: { type: String, enum: ['OPEN', 'WON', 'LOST', 'POST_SALE'], default: 'OPEN' },
  task: { type: String, default: null },
  result: { type: String, default: null },
  keySteps: { type: [keyStepSchema], default: [] },
  expectedDurationDays: { type: Number, default: null },
  allowedRoles: { type: [String], default: [] },
  archived: { type: Boolean, default: false },
  deleted: { type: Boolean, default: false },
});

const followUpSchema = new Schema<FollowUpDoc>(
  {
    title: { type: String, required: true },
    role: { type: String, required: true },
    afterDays: { type: Number, required: true },
  },
  { _id: false },
);

const stageLockSchema = new Schema<StageLockDoc>(
  {
    token: { type: String, required: true },
    stageIds: { type: [Schema.Types.ObjectId], required: true },
    until: { type: Date, required: true },
  },
  { _id: false },
);

const stageSweepSchema = new Schema<StageSweepDoc>(
  {
    stageId: { type: Schema.Types.ObjectId, required: true },
    deletedAt: { type: Date, required: true },
  },
  { _id: false },
);

const schema = new Schema<PipelineDoc>(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    stages: { type: [stageSchema], required: true },
    strictness: { type: String, enum: ['NONE', 'WARN', 'ENFORCE'], default: 'NONE' },
    followUps: { type: [followUpSchema], default: [] },
    templateKey: { type: String, default: null },
    stageLock: { type: stageLockSchema, default: null },
    stageSweeps: { type: [stageSweepSchema], default: [] },
    stageSweepPending: { type: Boolean, default: false },
  },
  { timestamps: true, versionKey: false, collection: 'pipelines' },
);
schema.plugin(outboxPlugin);
schema.index({ tenantId: 1, name: 1 }, { unique: true });
// The stranded-deals sweep (deal/deal.sweep.ts) serves every tenant: an equality on this flag,
// like the relay's `outboxPending`, is the filter every store serves from an index.
schema.index({ stageSweepPending: 1 });

export const PipelineModel = model<PipelineDoc>('Pipeline', schema);

/**
 * Pipelines as shown (a deal's stage, a reference): read on most requests, changed seldom, kept
 * briefly (read-cache.ts); this service's own changes forget them at once. What a write is checked
 * against (a move, a new deal, an edit) is always read fresh (the context's pipelineById).
 */
export const shownPipelines = createReadCache<PipelineDoc>();

export const stageKind = (stage: StageDoc): StageKind => stage.kind ?? 'OPEN';
export const strictnessOf = (pipeline: PipelineDoc): Strictness => pipeline.strictness ?? 'NONE';

/** The stages a pipeline shows, in order: deleted ones are kept for history only. */
export const liveStages = (pipeline: PipelineDoc) => pipeline.stages.filter((stage) => !stage.deleted).sort((a, b) => a.position - b.position);

/** Where a new deal starts: the first stage neither archived nor deleted (always OPEN, see pipeline.rules.ts). */
export const entryStage = (pipeline: PipelineDoc) => liveStages(pipeline).find((stage) => !stage.archived);

export const findStage = (pipeline: PipelineDoc, id: { toString(): string } | null | undefined) =>
  id ? pipeline.stages.find((stage) => stage._id.toString() === id.toString()) : undefined;

export const stageRef = (stage: StageDoc) => ({ id: stage._id.toString(), name: stage.name, position: stage.position, kind: stageKind(stage) });

/** A stage as pipeline events describe it. */
export const stageData = (stage: StageDoc) => ({
  ...stageRef(stage),
  probability: stage.probability,
  task: stage.task ?? null,
  result: stage.result ?? null,
  keySteps: (stage.keySteps ?? []).map((step) => ({ id: step._id.toString(), title: step.title, role: step.role })),
  expectedDurationDays: stage.expectedDurationDays ?? null,
  archived: stage.archived ?? false,
});

export const newId = () => new Types.ObjectId();
