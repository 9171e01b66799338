import { randomBytes } from 'node:crypto';
import { createEvent, ErpOrderPlaced, ErpPaymentReceived, ErpShipmentDispatched, type Envelope } from '@crm/events';

/** What a wholesaler of cleaning supplies sells: SKU, name, unit, list price (EUR). */
const PRODUCTS = [
  ['CHEM-DS-10L', 'Disinfectant concentrate 10 l', 'can', 38.5],
  ['CHEM-GC-5L', 'Glass cleaner 5 l', 'can', 12.9],
  ['CHEM-FL-10L', 'Floor cleaner, low foam 10 l', 'can', 29.9],
  ['MOP-MF-60', 'Microfibre mop pad 60 cm', 'pcs', 4.2],
  ['MOP-FR-60', 'Mop frame 60 cm', 'pcs', 18.75],
  ['CLOTH-MF-40', 'Microfibre cloth 40×40, pack of 10', 'pack', 9.6],
  ['BAG-120L', 'Waste bags 120 l, roll of 25', 'roll', 6.4],
  ['PAPER-HT-2', 'Hand towels, 2-ply, 20 × 150 sheets', 'box', 24.0],
  ['SOAP-FM-1L', 'Foam hand soap 1 l', 'bottle', 5.85],
  ['GLOVE-NI-M', 'Nitrile gloves M, box of 100', 'box', 7.3],
  ['TROLLEY-2B', 'Cleaning trolley with two buckets', 'pcs', 189.0],
  ['SCRUB-430', 'Scrubber-dryer pads 430 mm, pack of 5', 'pack', 32.5],
] as const;
const TERMS = [0, 14, 30, 30, 45, 60];
const DAY_MS = 86_400_000;

/** A small seeded generator (mulberry32), so a seed gives the same orders every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cents = (value: number) => Math.round(value * 100) / 100;

export interface SimulationOptions {
  tenantId: string;
  /** CRM company ids, as the ERP's customer master keeps them. */
  companyIds: string[];
  /** Orders per company (default 3). */
  ordersPerCompany?: number;
  seed?: number;
  /**
   * Part of every ERP id (order, order number, shipment, payment), so that two runs for one
   * tenant never share an id (the CRM keeps an order by its id: a second run would overwrite the
   * first one's orders). Random unless given; the seed decides everything else.
   */
  runId?: string;
  now?: Date;
}

/** A run id: 6 hex digits, upper case. */
export const newRunId = () => randomBytes(3).toString('hex').toUpperCase();

/**
 * A realistic history per company: orders over the last months, each shipped (sometimes in two
 * parts, the older ones fully) and paid according to its age and terms (some in two instalments,
 * some late, recent ones not yet). Events carry the ERP's own ids and the tenant in the envelope.
 * A seed gives the same content every run, under the run's own ids (`runId`).
 */
export function simulateErpHistory({ tenantId, companyIds, ordersPerCompany = 3, seed = Date.now(), runId = newRunId(), now = new Date() }: SimulationOptions): Envelope[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const events: Envelope[] = [];
  let serial = Math.floor(random() * 90_000) + 10_000;
  for (const companyId of companyIds) {
    for (let n = 0; n < ordersPerCompany; n += 1) {
      serial += 1;
      const number = `${runId}-${serial}`;
      const orderId = `SO-${now.getUTCFullYear()}-${runId}-${String(serial).padStart(6, '0')}`;
      const meta = (at: Date) => ({ tenantId, aggregateId: orderId, occurredAt: at });
      const orderedAt = new Date(now.getTime() - Math.floor(random() * 180) * DAY_MS - Math.floor(random() * DAY_MS));
      const products = [...PRODUCTS].sort(() => random() - 0.5).slice(0, 1 + Math.floor(random() * 4));
      const lines = products.map(([sku, name, unit, price]) => {
        const quantity = (1 + Math.floor(random() * 20)) * (price < 20 ? 10 : 1);
        const discountPercent = pick([0, 0, 0, 3, 5, 10]);
        return { sku, name, unit, quantity, unitPrice: price, discountPercent, amount: cents(quantity * price * (1 - discountPercent / 100)) };
      });
      const amount = cents(lines.reduce((total, line) => total + line.amount, 0));
      const paymentTermsDays = pick(TERMS);
      events.push(
        createEvent(ErpOrderPlaced, meta(orderedAt), {
          orderId, orderNumber: number, companyId, orderedAt: orderedAt.toISOString(), currency: 'EUR', lines, amount, paymentTermsDays,
        }),
      );

      const ageDays = (now.getTime() - orderedAt.getTime()) / DAY_MS;
      if (ageDays < 2) continue; // not shipped yet
      // Two parts: the first lines now, the rest a few days later (if that is already past).
      const split = lines.length > 1 && random() < 0.4 ? Math.ceil(lines.length / 2) : lines.length;
      const parts = [lines.slice(0, split), lines.slice(split)].filter((part) => part.length > 0);
      parts.forEach((part, index) => {
        const shippedAt = new Date(orderedAt.getTime() + (2 + index * 5) * DAY_MS);
        if (shippedAt > now) return;
        events.push(
          createEvent(ErpShipmentDispatched, meta(shippedAt), {
            shipmentId: `DN-${number}-${index + 1}`, orderId, companyId, shippedAt: shippedAt.toISOString(), currency: 'EUR',
            amount: cents(part.reduce((total, line) => total + line.amount, 0)),
            lines: part.map((line) => ({ sku: line.sku, quantity: line.quantity })),
            carrier: pick(['DB Schenker', 'DHL Freight', 'Own fleet']), trackingNumber: `TRK${serial}${index + 1}`,
          }),
        );
      });

      // Paid around the due date: most on time, some late, some in two instalments, recent ones not yet.
      const paidAfterDays = Math.max(0, paymentTermsDays + Math.floor(random() * 30) - 12);
      const instalments = random() < 0.25 ? [cents(amount / 2), cents(amount - cents(amount / 2))] : [amount];
      instalments.forEach((instalment, index) => {
        const paidAt = new Date(orderedAt.getTime() + (paidAfterDays + index * 14) * DAY_MS);
        if (paidAt > now) return;
        events.push(
          createEvent(ErpPaymentReceived, meta(paidAt), {
            paymentId: `PAY-${number}-${index + 1}`, orderId, companyId, paidAt: paidAt.toISOString(), amount: instalment, currency: 'EUR',
            method: paymentTermsDays === 0 ? 'CARD' : 'BANK_TRANSFER',
          }),
        );
      });
    }
  }
  return events;
}
