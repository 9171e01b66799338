import { model, Schema } from 'mongoose';

/** What a counters document counts. */
export const counterKinds = ['funnel', 'results', 'lost', 'forecast'] as const;
export type CounterKind = (typeof counterKinds)[number];

/** Where a counter lives: one document per (kind, pipeline, dimension, value, month). */
export interface CounterKey {
  kind: CounterKind;
  /** '*' where the kind is not per pipeline. */
  pipelineId: string;
  /** For instance 'owner', 'team', 'source', 'stage', 'reason'; '*' for all deals. */
  dim: string;
  /** The dimension's value; NONE for deals without one, '*' for all. */
  value: string;
  /** YYYY-MM, or '*' for all time. */
  month: string;
}

/** The value of a dimension a deal has none of (no team, no source...). */
export const NONE = '(none)';

/**
 * Counters moved only by changes of deal facts (deal-fact.projection.ts). `c` holds numbers
 * by path (`n.p3`, `m.p3.EUR`, `won`, `amt.USD`...). `applied` holds the tokens of moves
 * applied here whose fact is not confirmed yet, or confirmed within the grace period or since
 * (removed with the document's next move past it). `fence`: the latest claim stamp among the
 * tokens removed here; a move of a claim stamped at or before it is refused (counter-writes.ts).
 */
export interface CounterDoc extends CounterKey {
  _id: string;
  tenantId: string;
  c: Record<string, unknown>;
  applied: Record<string, true>;
  /** Absent until a token was removed here. */
  fence?: number;
}

/** Deterministic id: a move finds its document by key. */
export const counterId = (tenantId: string, key: CounterKey) => JSON.stringify([tenantId, key.kind, key.pipelineId, key.dim, key.value, key.month]);

const schema = new Schema<CounterDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    kind: { type: String, required: true },
    pipelineId: { type: String, required: true },
    dim: { type: String, required: true },
    value: { type: String, required: true },
    month: { type: String, required: true },
    c: { type: Schema.Types.Mixed, default: () => ({}) },
    applied: { type: Schema.Types.Mixed, default: () => ({}) },
    fence: { type: Number },
  },
  { versionKey: false, collection: 'deal_counters', minimize: false },
);
// Reads: a pipeline's funnel for one dimension value over months; results and forecast by dimension over months.
schema.index({ tenantId: 1, kind: 1, pipelineId: 1, dim: 1, value: 1, month: 1 });
schema.index({ tenantId: 1, kind: 1, dim: 1, month: 1 });

export const CounterModel = model<CounterDoc>('DealCounter', schema);
