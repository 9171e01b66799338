import { ErpOrderPlaced, ErpPaymentReceived, ErpShipmentDispatched } from '@crm/events';
import { on, PermanentEventError } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { resolveMerged } from '../company/known-companies';
import { KnownCompanyModel, type KnownCompanyDoc } from '../company/known-company.model';
import { entryKey, PurchaseModel } from './purchase.model';

/**
 * The company an ERP event names, in the event's tenant: its primary if it was merged. An id
 * deals knows under another tenant is refused (parked); one not known yet is kept as it is
 * (the ERP may be faster than contacts' event).
 */
async function companyIn(tenantId: string, companyId: string): Promise<string> {
  const known = await KnownCompanyModel.findOne({ _id: companyId }).lean<KnownCompanyDoc>();
  if (known && known.tenantId !== tenantId) throw new PermanentEventError(`company ${companyId} belongs to another tenant`);
  return known ? (await resolveMerged(tenantId, known))._id : companyId;
}

/**
 * Upserts the order's document by its key: whichever of order, shipment or payment comes first
 * makes it. `set` gets the company the event names (its primary, if merged).
 */
async function apply(tenantId: string, orderId: string, companyId: string, set: (company: string) => Record<string, unknown>): Promise<void> {
  const company = await companyIn(tenantId, companyId);
  const fields = set(company);
  const onInsert = Object.fromEntries(Object.entries({ tenantId, orderId, companyId: company, ordered: false }).filter(([key]) => !(key in fields)));
  await PurchaseModel.updateOne({ _id: `${tenantId}:${orderId}`, tenantId }, { $set: fields, $setOnInsert: onInsert }, { upsert: true, setDefaultsOnInsert: false });
}

/** Purchases from the ERP's events: idempotent (set by key), in any order (a payment before its order). */
export const purchaseConsumer: ConsumerSpec = {
  groupId: 'deals.purchases',
  handlers: [
    on(ErpOrderPlaced, async ({ orderId, ...order }, event) => {
      await apply(event.tenantId, orderId, order.companyId, (companyId) => ({ ...order, companyId, ordered: true, orderedAt: new Date(order.orderedAt) }));
    }),
    on(ErpShipmentDispatched, async (shipment, event) => {
      const entry = {
        shipmentId: shipment.shipmentId,
        shippedAt: new Date(shipment.shippedAt),
        amount: shipment.amount,
        currency: shipment.currency,
        carrier: shipment.carrier ?? null,
        trackingNumber: shipment.trackingNumber ?? null,
      };
      await apply(event.tenantId, shipment.orderId, shipment.companyId, () => ({ [`shipments.${entryKey(shipment.shipmentId)}`]: entry }));
    }),
    on(ErpPaymentReceived, async (payment, event) => {
      const entry = { paymentId: payment.paymentId, paidAt: new Date(payment.paidAt), amount: payment.amount, currency: payment.currency, method: payment.method };
      await apply(event.tenantId, payment.orderId, payment.companyId, () => ({ [`payments.${entryKey(payment.paymentId)}`]: entry }));
    }),
  ],
};
