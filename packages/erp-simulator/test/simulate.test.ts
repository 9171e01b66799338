import { catalogue, topics, type Envelope } from '@crm/events';
import { readTopics, uniqueId } from '@crm/messaging/testing';
import { main } from '../bin/simulate';
import { simulateErpHistory } from '../src';

const companyIds = ['665f1c2e8b3e4a0012a4b5c6', '665f1c2e8b3e4a0012a4b5c7'];
const now = new Date('2026-11-30T12:00:00Z');

describe('ERP simulator', () => {
  it('makes a consistent history per order: valid catalogued events, lines adding up, no more shipped or paid than ordered, nothing in the future', () => {
    const events = simulateErpHistory({ tenantId: 't-1', companyIds, ordersPerCompany: 20, seed: 7, now });
    expect(events.map((event) => catalogue.check(event))).toHaveLength(events.length);
    const orders = events.filter((event) => event.type === 'ErpOrderPlaced') as { aggregateId: string; data: any; tenantId: string }[];
    expect(orders).toHaveLength(40);
    expect(new Set(orders.map((order) => order.data.companyId))).toEqual(new Set(companyIds));
    for (const order of orders) {
      // To the cent, as the CRM checks it (deals parks an order whose amount is not its lines' sum).
      const cents = order.data.lines.reduce((total: number, line: { amount: number }) => total + Math.round(line.amount * 100), 0);
      expect(Math.round(order.data.amount * 100)).toBe(cents);
      const related = events.filter((event) => event.aggregateId === order.aggregateId);
      const total = (type: string) => related.filter((event) => event.type === type).reduce((sum2, event) => sum2 + (event.data as { amount: number }).amount, 0);
      expect(total('ErpShipmentDispatched')).toBeLessThanOrEqual(order.data.amount + 0.005);
      expect(total('ErpPaymentReceived')).toBeLessThanOrEqual(order.data.amount + 0.005);
      for (const event of related) {
        expect(event.tenantId).toBe('t-1');
        expect(Date.parse(event.occurredAt)).toBeLessThanOrEqual(now.getTime());
      }
    }
    // Some orders shipped and paid, some not yet: a history worth looking at.
    expect(events.some((event) => event.type === 'ErpShipmentDispatched')).toBe(true);
    expect(events.some((event) => event.type === 'ErpPaymentReceived')).toBe(true);
  });

  it('gives every run its own order, shipment and payment ids, with the same content for a seed; a run id given makes the ids reproducible too', () => {
    const run = (runId?: string) => simulateErpHistory({ tenantId: 't-1', companyIds, ordersPerCompany: 20, seed: 7, now, ...(runId && { runId }) });
    const idsOf = (events: Envelope[]) =>
      events.flatMap((event) => {
        const { orderId, orderNumber, shipmentId, paymentId } = event.data as Record<string, string | undefined>;
        return [orderId, orderNumber, shipmentId, paymentId].filter((id): id is string => id !== undefined);
      });
    const content = (events: Envelope[]) =>
      events.map((event) => {
        const { orderId: _o, orderNumber: _n, shipmentId: _s, paymentId: _p, ...rest } = event.data as Record<string, unknown>;
        return { type: event.type, rest };
      });
    const [first, second] = [run(), run()];
    const firstIds = new Set(idsOf(first));
    expect(idsOf(second).filter((id) => firstIds.has(id))).toEqual([]);
    expect(content(second)).toEqual(content(first));
    expect(run('demo-1').map((event) => event.data)).toEqual(run('demo-1').map((event) => event.data));
  });

  it('publishes them on the ERP topics, keyed by order (npm run erp:simulate)', async () => {
    const tenantId = uniqueId('tenant');
    const reader = await readTopics([topics.erpOrders, topics.erpShipments, topics.erpPayments]);
    try {
      expect(await main(['--tenant', tenantId, '--companies', companyIds.join(','), '--orders', '2', '--seed', '11'])).toBe(0);
      const orders = await reader.waitFor(() => reader.messages.filter((m) => m.event?.tenantId === tenantId && m.topic === topics.erpOrders).length === 4, 'four orders');
      expect(orders).toBeDefined();
      for (const message of reader.messages.filter((m) => m.event?.tenantId === tenantId)) {
        const event = catalogue.check(message.event);
        expect(message.key).toBe(event.aggregateId);
        expect(event.source).toBe('erp');
      }
      expect(await main(['--tenant', tenantId])).toBe(2);
    } finally {
      await reader.close();
    }
  });

  it('publishes new orders on a second run with the same seed for the same tenant (demo:seed passes --seed 42), never the first run\'s ids again', async () => {
    const tenantId = uniqueId('tenant');
    const reader = await readTopics([topics.erpOrders]);
    try {
      const orderKeys = () => new Set(reader.messages.filter((m) => m.event?.tenantId === tenantId).map((m) => m.key));
      expect(await main(['--tenant', tenantId, '--companies', companyIds.join(','), '--orders', '2', '--seed', '42'])).toBe(0);
      await reader.waitFor(() => orderKeys().size === 4, 'the first run\'s four orders');
      expect(await main(['--tenant', tenantId, '--companies', companyIds.join(','), '--orders', '2', '--seed', '42'])).toBe(0);
      await reader.waitFor(() => reader.messages.filter((m) => m.event?.tenantId === tenantId).length === 8, 'the second run\'s four orders');
      expect(orderKeys().size).toBe(8);
    } finally {
      await reader.close();
    }
  });
});
