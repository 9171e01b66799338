import { model, Schema } from 'mongoose';

/**
 * Sums over facts, one document per (tenant, kind, group, subject, period), for instance the
 * revenue of one company in one month or the calls of one manager on one day. Only facts move
 * them (see counted-fact.ts); a query reads the few counters of its periods by index.
 */
export interface CounterDoc {
  /** counterId(...): deterministic, so a fact finds its counters without a query. */
  _id: string;
  tenantId: string;
  /** What is counted: `company-revenue`, `user-activity`... */
  kind: string;
  /** Whose figures: a company, a user, a campaign. */
  subject: string;
  /** A grouping queries filter on (a user's team); '' for none. */
  group: string;
  /** `YYYY-MM` or `YYYY-MM-DD` (UTC), or '' for all time. */
  period: string;
  /** field -> sum. Money fields carry their currency: `won_EUR`. */
  values: Record<string, number>;
  /** fact key -> the last version of that fact applied here: a repeated or stale move never matches again. */
  applied: Record<string, number>;
  updatedAt: Date;
}

/** Where one fact adds to: the counter's coordinates. */
export interface CounterRef {
  kind: string;
  subject: string;
  group?: string | null;
  period: string;
}

export const counterId = (tenantId: string, ref: CounterRef) => [tenantId, ref.kind, ref.group ?? '', ref.subject, ref.period].join('|');

const schema = new Schema<CounterDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    kind: { type: String, required: true },
    subject: { type: String, required: true },
    group: { type: String, default: '' },
    period: { type: String, default: '' },
    values: { type: Schema.Types.Mixed, default: () => ({}) },
    applied: { type: Schema.Types.Mixed, default: () => ({}) },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'fact_counters', minimize: false },
);
// Reads are equalities and $in over periods (the local store serves no range from an index).
schema.index({ tenantId: 1, kind: 1, period: 1 });
schema.index({ tenantId: 1, kind: 1, group: 1, period: 1 });
schema.index({ tenantId: 1, kind: 1, subject: 1 });

export const CounterModel = model<CounterDoc>('FactCounter', schema);
