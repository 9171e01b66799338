import { model, Schema } from 'mongoose';
import { countedFactPlugin, type CountedFields } from '../fact-counters/counted-fact';

/** One ERP payment of a client (ErpPaymentReceived), the PAYMENTS basis of ABC analysis. */
export interface PaymentFactState {
  paymentId: string;
  companyId: string;
  paidAt: Date;
  amount: number;
  currency: string;
}

/** `_id` = `<tenant>:<paymentId>`: ERP ids are only unique within one company's ERP. */
export type PaymentFactDoc = PaymentFactState & CountedFields & { _id: string; tenantId: string };

export const paymentFactId = (tenantId: string, paymentId: string) => `${tenantId}:${paymentId}`;

const schema = new Schema<PaymentFactDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    paymentId: { type: String, required: true },
    companyId: { type: String, required: true },
    paidAt: { type: Date, required: true },
    amount: { type: Number, required: true },
    currency: { type: String, required: true },
  },
  { versionKey: false, collection: 'payment_facts', minimize: false },
);
schema.plugin(countedFactPlugin);
// No secondary index: events reach a fact by _id; queries read the counters.

export const PaymentFactModel = model<PaymentFactDoc>('PaymentFact', schema);
