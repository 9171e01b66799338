import { z } from 'zod';
import { defineEvent } from './define';
import { instant as at } from './instant';
import { topics } from './topics';

/**
 * Published by the company's ERP, not by the CRM (source `erp`), into the tenant given in the
 * envelope. Every ERP event concerns one sales order: `aggregateType` is `ErpOrder` and
 * `aggregateId` (the message key) is the ERP's order id, so an order's shipments and payments
 * land on the same partition number of their topics.
 *
 * The client is named by its CRM company id (`companyId`): the ERP's customer master keeps the
 * CRM id of each client it got from the CRM (the CRM is the system of record for clients), so no
 * mapping table is needed and a merge in the CRM is followed by the CRM itself.
 */

const crmCompanyId = z.string().regex(/^[0-9a-f]{24}$/i, 'companyId is the CRM company id (24 hex digits)');
const erpId = z.string().min(1).max(100);
const money = z.number().finite().nonnegative().max(1e13);
const currency = z.string().regex(/^[A-Z]{3}$/, 'currency is an ISO 4217 code');

const orderLine = z.object({
  sku: z.string().min(1).max(100),
  name: z.string().min(1).max(300),
  quantity: z.number().positive().max(1e9),
  unit: z.string().min(1).max(20).nullish(),
  unitPrice: money,
  discountPercent: z.number().min(0).max(100).default(0),
  /** quantity × unitPrice less the discount, as the ERP invoices it. */
  amount: money,
});

/** A client's sales order was booked in the ERP. */
export const ErpOrderPlaced = defineEvent({
  type: 'ErpOrderPlaced',
  version: 1,
  source: 'erp',
  topic: topics.erpOrders,
  aggregateType: 'ErpOrder',
  data: z.object({
    orderId: erpId,
    orderNumber: z.string().min(1).max(100),
    companyId: crmCompanyId,
    orderedAt: at,
    currency,
    lines: z.array(orderLine).min(1).max(500),
    /** The order's total, the sum of its lines' amounts (net of tax). */
    amount: money,
    /** Payment terms: days after the invoice the client must pay (0: prepayment). */
    paymentTermsDays: z.number().int().min(0).max(365),
  }),
  example: {
    orderId: 'SO-2026-004211',
    orderNumber: '4211',
    companyId: '665f1c2e8b3e4a0012a4b5c6',
    orderedAt: '2026-11-03T10:15:00.000Z',
    currency: 'EUR',
    lines: [
      { sku: 'CHEM-DS-10L', name: 'Disinfectant concentrate 10 l', quantity: 40, unit: 'can', unitPrice: 38.5, discountPercent: 5, amount: 1463 },
      { sku: 'MOP-MF-60', name: 'Microfibre mop pad 60 cm', quantity: 200, unit: 'pcs', unitPrice: 4.2, discountPercent: 0, amount: 840 },
    ],
    amount: 2303,
    paymentTermsDays: 30,
  },
});

/** Goods of an order left the warehouse (an order may ship in several parts). */
export const ErpShipmentDispatched = defineEvent({
  type: 'ErpShipmentDispatched',
  version: 1,
  source: 'erp',
  topic: topics.erpShipments,
  aggregateType: 'ErpOrder',
  data: z.object({
    shipmentId: erpId,
    orderId: erpId,
    companyId: crmCompanyId,
    shippedAt: at,
    /** Value of the goods shipped, in the order's currency. */
    amount: money,
    currency,
    lines: z.array(z.object({ sku: z.string().min(1).max(100), quantity: z.number().positive().max(1e9) })).max(500).default([]),
    carrier: z.string().min(1).max(100).nullish(),
    trackingNumber: z.string().min(1).max(100).nullish(),
  }),
  example: {
    shipmentId: 'DN-2026-009877',
    orderId: 'SO-2026-004211',
    companyId: '665f1c2e8b3e4a0012a4b5c6',
    shippedAt: '2026-11-05T07:40:00.000Z',
    amount: 1463,
    currency: 'EUR',
    lines: [{ sku: 'CHEM-DS-10L', quantity: 40 }],
    carrier: 'DB Schenker',
    trackingNumber: 'DBS00482211',
  },
});

/** The client paid (part of) an order. */
export const ErpPaymentReceived = defineEvent({
  type: 'ErpPaymentReceived',
  version: 1,
  source: 'erp',
  topic: topics.erpPayments,
  aggregateType: 'ErpOrder',
  data: z.object({
    paymentId: erpId,
    orderId: erpId,
    companyId: crmCompanyId,
    paidAt: at,
    amount: money,
    currency,
    method: z.enum(['BANK_TRANSFER', 'CARD', 'CASH', 'DIRECT_DEBIT', 'OTHER']).default('BANK_TRANSFER'),
  }),
  example: {
    paymentId: 'PAY-2026-017340',
    orderId: 'SO-2026-004211',
    companyId: '665f1c2e8b3e4a0012a4b5c6',
    paidAt: '2026-11-28T12:00:00.000Z',
    amount: 2303,
    currency: 'EUR',
    method: 'BANK_TRANSFER',
  },
});
