import { model, Schema } from 'mongoose';
import { countedFactPlugin, type CountedFields } from '../fact-counters/counted-fact';

/**
 * What ABC analysis, manager activity and campaigns need of one deal (id = deal id): who owns
 * it, for which company, when it was created, and its amount once won. Its contributions move
 * the revenue counters (see sales-fact.ts); a deal reopened or lost takes its win back.
 */
export interface SalesFactState {
  companyId: string;
  ownerId: string;
  teamId: string | null;
  /** When the deal was created (DealCreated's occurredAt); null until that event is seen. */
  createdAt: Date | null;
  status: 'OPEN' | 'WON' | 'LOST';
  wonAt: Date | null;
  amount: number;
  currency: string;
  /** The newest event applied: an older one arriving late changes nothing. */
  lastEventAt: Date;
}

export type SalesFactDoc = SalesFactState & CountedFields & { _id: string; tenantId: string };

const schema = new Schema<SalesFactDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    companyId: { type: String, required: true },
    ownerId: { type: String, required: true },
    teamId: { type: String, default: null },
    createdAt: { type: Date, default: null },
    status: { type: String, required: true },
    wonAt: { type: Date, default: null },
    amount: { type: Number, required: true },
    currency: { type: String, required: true },
    lastEventAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'sales_facts', minimize: false },
);
schema.plugin(countedFactPlugin);
// Events reach a fact by _id; campaigns list the deals of the companies they contacted.
schema.index({ tenantId: 1, companyId: 1 });

export const SalesFactModel = model<SalesFactDoc>('SalesFact', schema);
