import { ErpOrderPlaced, ErpPaymentReceived, ErpShipmentDispatched, type EventData } from '@crm/events';
import { isDuplicateKey, on, PermanentEventError } from '@crm/messaging';
import { isCurrencyCode, type ConsumerSpec } from '@crm/service-kit';
import { resolveMerged } from '../company/known-companies';
import { KnownCompanyModel, type KnownCompanyDoc } from '../company/known-company.model';
import { entryKey, PurchaseModel, type PaymentDoc, type PurchaseDoc, type ShipmentDoc } from './purchase.model';

/** Money in whole cents: amounts compared to the cent, whatever the float sums. */
const cents = (amount: number) => Math.round(amount * 100);

/** ISO 4217, as inputs are checked: the events' schema checks the shape only. */
function requireCurrency(what: string, currency: string): void {
  if (!isCurrencyCode(currency)) throw new PermanentEventError(`${what}: currency ${currency} is not an ISO 4217 code`);
}

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

type Field = 'shipments' | 'payments';
type Entry = ShipmentDoc | PaymentDoc;
const labels: Record<Field, string> = { shipments: 'shipment', payments: 'payment' };
const entryId = (entry: Entry) => ('shipmentId' in entry ? entry.shipmentId : entry.paymentId);

/**
 * Why an entry does not belong to its stored order, or null. `company` is the entry's company now
 * (its primary if merged since); entries stored before they kept one are not compared on it.
 */
function mismatch(field: Field, entry: Entry, company: string | undefined, order: Pick<PurchaseDoc, 'orderId' | 'currency' | 'companyId'>): string | null {
  const what = `${labels[field]} ${entryId(entry)}`;
  if (entry.currency !== order.currency) return `${what} is in ${entry.currency}, its order ${order.orderId} in ${order.currency}`;
  if (company !== undefined && company !== order.companyId) return `${what} names company ${company}, its order ${order.orderId} company ${order.companyId}`;
  return null;
}

/**
 * A shipment or payment, set by its ERP id in its order's document. Once the order is there, an
 * entry in another currency or naming another company is refused (parked), and the write is
 * conditional on the order as checked. Before its order, the entry is kept with the company it
 * names, and checked when the order comes (receiveOrder); an order stored between the look and
 * the write makes that write fail (the upsert on `ordered: false` meets the ordered document),
 * and the entry is checked against it then.
 */
async function receiveEntry(tenantId: string, { orderId, companyId }: { orderId: string; companyId: string }, field: Field, entry: Entry): Promise<void> {
  requireCurrency(`${labels[field]} ${entryId(entry)}`, entry.currency);
  const company = await companyIn(tenantId, companyId);
  const _id = `${tenantId}:${orderId}`;
  const set = { [`${field}.${entryKey(entryId(entry))}`]: { ...entry, companyId: company } };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const order = await PurchaseModel.findOne({ _id, tenantId, ordered: true }).lean<PurchaseDoc>();
    if (order) {
      const problem = mismatch(field, entry, company, order);
      if (problem) throw new PermanentEventError(problem);
      const written = await PurchaseModel.updateOne({ _id, tenantId, ordered: true, currency: order.currency, companyId: order.companyId }, { $set: set });
      if (written.matchedCount === 1) return;
      continue; // the order changed meanwhile (a corrected order, a merge): check again
    }
    try {
      await PurchaseModel.updateOne(
        { _id, tenantId, ordered: false },
        { $set: set, $setOnInsert: { tenantId, orderId, companyId: company, ordered: false } },
        { upsert: true, setDefaultsOnInsert: false },
      );
      return;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error; // else the order came meanwhile: check against it
    }
  }
  throw new Error(`order ${orderId} kept changing while its ${labels[field]} ${entryId(entry)} was stored`);
}

/**
 * The order, checked on its own (an ISO 4217 currency, an amount that is its lines' sum to the
 * cent), then stored. Entries that came before it were kept unchecked: those in another currency
 * or naming another company are removed, and the order's message is parked naming them (their
 * own messages were consumed before there was an order to judge them by). The order stays
 * stored; a replay of the parked message stores it again and finds nothing more to refuse.
 */
async function receiveOrder(tenantId: string, { orderId, ...order }: EventData<typeof ErpOrderPlaced>): Promise<void> {
  requireCurrency(`order ${orderId}`, order.currency);
  const linesTotal = order.lines.reduce((total, line) => total + cents(line.amount), 0);
  if (linesTotal !== cents(order.amount)) throw new PermanentEventError(`order ${orderId}: amount ${order.amount} is not the sum of its lines (${linesTotal / 100})`);
  const companyId = await companyIn(tenantId, order.companyId);
  const _id = `${tenantId}:${orderId}`;
  await PurchaseModel.updateOne(
    { _id, tenantId },
    { $set: { ...order, companyId, ordered: true, orderedAt: new Date(order.orderedAt) }, $setOnInsert: { tenantId, orderId } },
    { upsert: true, setDefaultsOnInsert: false },
  );

  const stored = await PurchaseModel.findOne({ _id, tenantId }).lean<PurchaseDoc>();
  if (!stored) return;
  const stray: { path: string; problem: string }[] = [];
  for (const field of ['shipments', 'payments'] as const) {
    for (const [key, entry] of Object.entries<Entry>(stored[field] ?? {})) {
      const company = entry.companyId === undefined ? undefined : await companyIn(tenantId, entry.companyId);
      const problem = mismatch(field, entry, company, stored);
      if (problem) stray.push({ path: `${field}.${key}`, problem });
    }
  }
  if (stray.length === 0) return;
  await PurchaseModel.updateOne({ _id, tenantId }, { $unset: Object.fromEntries(stray.map(({ path }) => [path, 1])) });
  throw new PermanentEventError(`order ${orderId} is stored, without what came before it and does not match it: ${stray.map(({ problem }) => problem).join('; ')}`);
}

/**
 * Purchases from the ERP's events: idempotent (set by key), in any order (a payment before its
 * order), each entry checked against its order (see receiveEntry, receiveOrder).
 */
export const purchaseConsumer: ConsumerSpec = {
  groupId: 'deals.purchases',
  handlers: [
    on(ErpOrderPlaced, async (order, event) => {
      await receiveOrder(event.tenantId, order);
    }),
    on(ErpShipmentDispatched, async (shipment, event) => {
      await receiveEntry(event.tenantId, shipment, 'shipments', {
        shipmentId: shipment.shipmentId,
        shippedAt: new Date(shipment.shippedAt),
        amount: shipment.amount,
        currency: shipment.currency,
        carrier: shipment.carrier ?? null,
        trackingNumber: shipment.trackingNumber ?? null,
      });
    }),
    on(ErpPaymentReceived, async (payment, event) => {
      await receiveEntry(event.tenantId, payment, 'payments', {
        paymentId: payment.paymentId,
        paidAt: new Date(payment.paidAt),
        amount: payment.amount,
        currency: payment.currency,
        method: payment.method,
      });
    }),
  ],
};
