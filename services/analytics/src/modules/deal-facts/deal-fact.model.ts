import { model, Schema } from 'mongoose';
import type { StoredContribution } from './contributions';

export const dealStatuses = ['OPEN', 'WON', 'LOST'] as const;
export type DealStatus = (typeof dealStatuses)[number];

/** A line item as analytics keeps it: the product and its net amount, in the deal's currency. */
export interface LineItemFact {
  product: string;
  amount: number;
}

/** A stage span written with the fact's next change (see deal-fact.projection.ts). */
export interface SpanWrite {
  _id: string;
  stageId: string;
  enteredAt: Date;
  leftAt: Date | null;
}

/**
 * One deal as analytics knows it from the deals and contacts events (`_id` = the deal id).
 * `counted` is what the counters hold for the deal; `pending` a change of them claimed with
 * the fact's revision `rev` and perhaps applied, not yet confirmed (see deal-fact.projection.ts).
 */
export interface DealFactDoc {
  _id: string;
  tenantId: string;
  dealId: string;
  pipelineId: string;
  title: string;
  companyId: string | null;
  ownerId: string;
  teamId: string | null;
  territoryId: string | null;
  source: string | null;
  /** From the company's events (company_facts), null while unknown. */
  industry: string | null;
  /** Product names of the line items, [] when none are known. */
  products: string[];
  lineItems: LineItemFact[];
  amount: number;
  currency: string;
  createdAt: Date;
  expectedCloseAt: Date | null;
  status: DealStatus;
  stageId: string;
  stagePosition: number;
  /** The furthest (non-LOST) stage position the deal ever reached: the funnel's fact. */
  maxPosition: number;
  // No probability here: the forecast weighs with the pipeline's current one when read. A copy
  // taken when the fact changed would depend on whether the pipeline's event came first (another
  // topic), and a rebuild could differ from the live facts.
  wonAt: Date | null;
  lostAt: Date | null;
  lostReason: string | null;
  stageEnteredAt: Date;
  /** How many stages the deal has entered: the sequence number of its current stage span. */
  stageEntries: number;
  /** Ordering guard: events older than the last applied one change nothing. */
  lastEventAt: Date;
  /** The ids of the events applied at lastEventAt (a bounded few), so a repeat is recognised. */
  lastEventIds: string[];
  rev: number;
  counted: StoredContribution[];
  /** `at`: the claim's stamp (ms; raised while pending by a writer that finds it old, see counter-writes.ts), absent on claims written before it existed. */
  pending: { rev: number; at?: number; to: StoredContribution[]; spans: SpanWrite[] } | null;
  /** The claim whose confirmation wrote `counted` last (its rev and stamp): a bulk of confirmations tells from it which ones it made. */
  confirmed?: { rev: number; at: number } | null;
}

const schema = new Schema<DealFactDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    dealId: { type: String, required: true },
    pipelineId: { type: String, required: true },
    title: { type: String, required: true },
    companyId: { type: String, default: null },
    ownerId: { type: String, required: true },
    teamId: { type: String, default: null },
    territoryId: { type: String, default: null },
    source: { type: String, default: null },
    industry: { type: String, default: null },
    products: { type: [String], default: [] },
    lineItems: { type: [{ _id: false, product: String, amount: Number }], default: [] },
    amount: { type: Number, required: true },
    currency: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expectedCloseAt: { type: Date, default: null },
    status: { type: String, enum: dealStatuses, required: true },
    stageId: { type: String, required: true },
    stagePosition: { type: Number, required: true },
    maxPosition: { type: Number, required: true },
    wonAt: { type: Date, default: null },
    lostAt: { type: Date, default: null },
    lostReason: { type: String, default: null },
    stageEnteredAt: { type: Date, required: true },
    stageEntries: { type: Number, required: true },
    lastEventAt: { type: Date, required: true },
    lastEventIds: { type: [String], default: [] },
    rev: { type: Number, required: true },
    counted: { type: Schema.Types.Mixed, default: () => [] },
    pending: { type: Schema.Types.Mixed, default: null },
    confirmed: { type: Schema.Types.Mixed, default: null },
  },
  { versionKey: false, collection: 'deal_facts', minimize: false },
);
// Every index starts with tenantId. Events reach a fact by its _id.
schema.index({ tenantId: 1, status: 1, wonAt: 1 });
schema.index({ tenantId: 1, companyId: 1 });
schema.index({ tenantId: 1, ownerId: 1, wonAt: 1 });
schema.index({ tenantId: 1, pipelineId: 1, status: 1, wonAt: 1 });
// Stale deals: open deals of a stage that entered it before a given time.
schema.index({ tenantId: 1, pipelineId: 1, status: 1, stageId: 1, stageEnteredAt: 1 });

export const DealFactModel = model<DealFactDoc>('DealFact', schema);
