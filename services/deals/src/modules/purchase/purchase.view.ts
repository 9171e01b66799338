import type { PaymentDoc, PurchaseDoc, ShipmentDoc } from './purchase.model';

/** A stored purchase whose order arrived: every order field is set. */
export type OrderedPurchase = PurchaseDoc & { ordered: true; orderNumber: string; orderedAt: Date; currency: string; amount: number; paymentTermsDays: number };

/** Amounts are money: a cent either way is equal. */
const atLeast = (value: number, target: number) => value >= target - 0.005;
const DAY_MS = 86_400_000;

const oldestFirst = <T>(entries: Record<string, T> | undefined, at: (entry: T) => Date) =>
  Object.values(entries ?? {}).sort((a, b) => at(a).getTime() - at(b).getTime());

/** The computed side of a purchase (statuses, totals, due date), from what the ERP sent. */
export function purchaseView(purchase: OrderedPurchase, now = new Date()) {
  const shipments = oldestFirst<ShipmentDoc>(purchase.shipments, (shipment) => shipment.shippedAt);
  const payments = oldestFirst<PaymentDoc>(purchase.payments, (payment) => payment.paidAt);
  // The consumer refuses entries in another currency than their order's; this keeps any stored before it did out of the totals.
  const sum = (entries: { amount: number; currency: string }[]) =>
    entries.filter((entry) => entry.currency === purchase.currency).reduce((total, entry) => total + entry.amount, 0);
  const shippedAmount = sum(shipments);
  const paidAmount = sum(payments);
  const paymentDueAt = new Date(purchase.orderedAt.getTime() + purchase.paymentTermsDays * DAY_MS);
  const paid = atLeast(paidAmount, purchase.amount);
  return {
    shipments,
    payments,
    shippedAmount,
    paidAmount,
    paymentDueAt,
    shipmentStatus: atLeast(shippedAmount, purchase.amount) && shipments.length > 0 ? 'SHIPPED' : shippedAmount > 0 ? 'PARTIALLY_SHIPPED' : 'NOT_SHIPPED',
    paymentStatus: paid ? 'PAID' : paidAmount > 0 ? 'PARTIALLY_PAID' : 'UNPAID',
    overdue: !paid && now > paymentDueAt,
  } as const;
}
