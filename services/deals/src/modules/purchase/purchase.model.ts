import { model, Schema } from 'mongoose';

export interface PurchaseLineDoc {
  sku: string;
  name: string;
  quantity: number;
  unit: string | null;
  unitPrice: number;
  discountPercent: number;
  amount: number;
}

export interface ShipmentDoc {
  shipmentId: string;
  shippedAt: Date;
  amount: number;
  currency: string;
  carrier: string | null;
  trackingNumber: string | null;
  /** The company the event named (its primary then), checked against the order's. Absent on entries stored before. */
  companyId?: string;
}

export interface PaymentDoc {
  paymentId: string;
  paidAt: Date;
  amount: number;
  currency: string;
  method: string;
  /** As ShipmentDoc.companyId. */
  companyId?: string;
}

/**
 * One ERP sales order of a client with its shipments and payments, from the ERP's events. The id
 * is `<tenant>:<ERP order id>`, so every event of an order finds it by key, whatever the order
 * they arrive in: a payment or a shipment before its order makes the document, and the order
 * fills it in (`ordered` turns true). Shipments and payments are kept by their ERP id (a map
 * key), so a replayed event sets the same entry again. An entry is in its order's currency and
 * names its order's company: checked when it comes after the order, and when the order comes
 * for those that came before it (purchase.consumer.ts).
 */
export interface PurchaseDoc {
  _id: string;
  tenantId: string;
  companyId: string;
  orderId: string;
  /** False while only shipments or payments of the order arrived: not listed yet. */
  ordered: boolean;
  orderNumber: string | null;
  orderedAt: Date | null;
  currency: string | null;
  amount: number | null;
  paymentTermsDays: number | null;
  lines: PurchaseLineDoc[];
  shipments: Record<string, ShipmentDoc>;
  payments: Record<string, PaymentDoc>;
  updatedAt: Date;
}

const line = new Schema<PurchaseLineDoc>(
  {
    sku: String,
    name: String,
    quantity: Number,
    unit: { type: String, default: null },
    unitPrice: Number,
    discountPercent: Number,
    amount: Number,
  },
  { _id: false },
);

const schema = new Schema<PurchaseDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    companyId: { type: String, required: true },
    orderId: { type: String, required: true },
    ordered: { type: Boolean, required: true },
    orderNumber: { type: String, default: null },
    orderedAt: { type: Date, default: null },
    currency: { type: String, default: null },
    amount: { type: Number, default: null },
    paymentTermsDays: { type: Number, default: null },
    lines: { type: [line], default: [] },
    shipments: { type: Schema.Types.Mixed, default: {} },
    payments: { type: Schema.Types.Mixed, default: {} },
  },
  { timestamps: { createdAt: false, updatedAt: true }, versionKey: false, collection: 'purchases', minimize: false },
);
// A company's purchase history, newest order first (the page's sort and cursor).
schema.index({ tenantId: 1, companyId: 1, ordered: 1, orderedAt: -1, _id: -1 });

export const PurchaseModel = model<PurchaseDoc>('Purchase', schema);

/** Map keys of shipments and payments: an ERP id may hold dots or a leading $, which keys may not. */
export const entryKey = (erpId: string) => Buffer.from(erpId).toString('base64url');
