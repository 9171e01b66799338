import { model, Schema } from 'mongoose';
import type { MoneyTotal } from '../money/money.math';
import type { FunnelFigures, FunnelStageFigures } from './funnel.math';

/**
 * One pipeline's counters, moved by its deals' facts (see funnel.projection.ts). A funnel
 * query is a key lookup of this document and of the pipeline, then computeFunnel over a
 * handful of counters: nothing on the read or the event path grows with the number of deals.
 */
export interface FunnelCountsDoc {
  /** `${tenantId}:${pipelineId}`, see funnelId. */
  _id: string;
  tenantId: string;
  pipelineId: string;
  /** `p<position>` -> how many deals have that position as their furthest. */
  counts: Record<string, number>;
  /**
   * Counter moves applied here (token -> true) whose fact is not confirmed yet, or confirmed
   * within the grace period or since: the process that confirmed one removes its token with its
   * next move of the pipeline past it, or with a write of its own once the pipeline is quiet, so
   * the tokens of about the last `DEAL_COUNTER_GRACE_MS` of moves stay (funnel.projection.ts).
   */
  applied: Record<string, true>;
  /**
   * The latest claim stamp among the tokens removed here: a move of a claim stamped at or before
   * it is refused (deal-facts/counter-fence.ts). Absent until a token was removed here.
   */
  fence?: number;
  updatedAt: Date;
}

/** What the GraphQL Funnel type resolves from: figures computed from the pipeline and its counters. */
export interface FunnelView extends Omit<FunnelFigures, 'stages'> {
  stages: (FunnelStageFigures & { money: MoneyTotal })[];
  /** The money of every deal counted. */
  totalMoney: MoneyTotal;
  pipelineId: string;
  pipelineName: string;
  updatedAt: Date;
}

/** Deterministic id: one counters document per pipeline and tenant, found without a query plan. */
export const funnelId = (tenantId: string, pipelineId: string) => `${tenantId}:${pipelineId}`;

const schema = new Schema<FunnelCountsDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    pipelineId: { type: String, required: true },
    counts: { type: Schema.Types.Mixed, default: () => ({}) },
    applied: { type: Schema.Types.Mixed, default: () => ({}) },
    fence: { type: Number },
    updatedAt: { type: Date, required: true },
  },
  // A collection of its own: the former `funnels` held recomputed figures in another shape.
  { versionKey: false, collection: 'funnel_counts', minimize: false },
);
// No secondary index: every read and write goes by _id (with tenantId in the filter).

export const FunnelCountsModel = model<FunnelCountsDoc>('FunnelCounts', schema);
