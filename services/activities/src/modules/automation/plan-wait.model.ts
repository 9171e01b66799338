import type { Envelope } from '@crm/events';
import { model, Schema } from 'mongoose';

export const planWaitKinds = ['STAGE', 'WIN'] as const;
export type PlanWaitKind = (typeof planWaitKinds)[number];

/**
 * A deal's stage entry (STAGE: the key steps of the stage entered) or win (WIN: the follow-ups)
 * whose tasks need its pipeline's plan, handled before the plan (or the plan's new stage, or the
 * plan as of the version the event names) was known: deal and pipeline events come on different
 * topics. `_id` = `<tenantId>:<dealId>:<kind>`: at most one per deal and kind, the deal's latest
 * (`at`, the event's occurredAt; an older event never replaces a newer one). `waiting` until its
 * tasks are made (then `event` goes) or the deal moves on (a later stage entry, a reopening): the
 * document then stays with its `at` for PLAN_WAIT_RETENTION_DAYS (`settledDay`, plan-waits.ts
 * `deleteSettledPlanWaits`), so a replay of an older event finds it and makes nothing for a stage
 * the deal left, or follow-ups for a win it lost by reopening.
 */
export interface PlanWaitDoc {
  _id: string;
  tenantId: string;
  dealId: string;
  kind: PlanWaitKind;
  pipelineId: string;
  /** STAGE: the stage entered (its key steps come with the plan); WIN: the won stage. */
  stageId: string;
  at: Date;
  waiting: boolean;
  /** The UTC day (`YYYY-MM-DD`) it was settled; null while waiting (and absent on entries settled before it existed). */
  settledDay?: string | null;
  /** The pipeline version the event was checked against (its `pipelineVersion`; 0: the event names none, any plan will do). */
  pipelineVersion?: number;
  /** The waiting DealStageChanged or DealWon, as handled: its tasks are made from it as they would have been then. */
  event: Envelope | null;
}

const schema = new Schema<PlanWaitDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    dealId: { type: String, required: true },
    kind: { type: String, enum: planWaitKinds, required: true },
    pipelineId: { type: String, required: true },
    stageId: { type: String, required: true },
    at: { type: Date, required: true },
    waiting: { type: Boolean, required: true },
    settledDay: { type: String, default: null },
    pipelineVersion: { type: Number, default: 0 },
    event: { type: Schema.Types.Mixed, default: null },
  },
  { versionKey: false, collection: 'plan_waits' },
);
// What waits for a pipeline whose plan just came (the settled entries are not in the range read).
schema.index({ tenantId: 1, pipelineId: 1, waiting: 1, kind: 1 });
// The clean-up of settled entries, whole days at a time (`settledDay $in [expired days]`): the
// local store has no TTL index and serves no range from an index. Not led by tenantId: it serves every tenant.
schema.index({ settledDay: 1 });

export const PlanWaitModel = model<PlanWaitDoc>('PlanWait', schema);

export const planWaitId = (tenantId: string, dealId: string, kind: PlanWaitKind) => `${tenantId}:${dealId}:${kind}`;
