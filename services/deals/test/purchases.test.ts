import { CompanyAssigned, createEvent, ErpOrderPlaced, ErpPaymentReceived, ErpShipmentDispatched, topics } from '@crm/events';
import { readTopics } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import type { Identity } from '@crm/auth';
import { Types } from 'mongoose';
import { KnownCompanyModel } from '../src/modules/company/known-company.model';
import { PurchaseModel } from '../src/modules/purchase/purchase.model';
import { startDeals } from '../src/service';
import { closeFixtures, fixtureProducer as producer, publishCompany } from './fixtures';

const PURCHASES = `query ($reps: [_Any!]!, $first: Int, $after: String) {
  _entities(representations: $reps) {
    ... on Company { purchases(first: $first, after: $after) {
      edges { cursor node {
        id orderNumber orderedAt amount currency paymentTermsDays paymentDueAt
        lines { sku name quantity unit unitPrice discountPercent amount }
        shipmentStatus shippedAmount paymentStatus paidAmount overdue
        shipments { id shippedAt amount carrier trackingNumber } payments { id paidAt amount method }
      } }
      pageInfo { hasNextPage endCursor }
    } }
  }
}`;

const service = serviceUnderTest('deals', startDeals);
afterAll(closeFixtures);

const purchasesOf = async (identity: Identity, companyId: string, page: { first?: number; after?: string } = {}) =>
  dataOf(await subgraphRequest(service.url, identity, PURCHASES, { reps: [{ __typename: 'Company', id: companyId }], ...page }))._entities[0].purchases;

const erp = (tenantId: string, orderId: string) => ({ tenantId, aggregateId: orderId });
const order = (tenantId: string, companyId: string, orderId: string, orderedAt: string, amount = 2303) =>
  createEvent(ErpOrderPlaced, erp(tenantId, orderId), {
    orderId,
    orderNumber: orderId.replace('SO-', ''),
    companyId,
    orderedAt,
    currency: 'EUR',
    lines: [
      { sku: 'CHEM-DS-10L', name: 'Disinfectant concentrate 10 l', quantity: 40, unit: 'can', unitPrice: 38.5, discountPercent: 5, amount: 1463 },
      { sku: 'MOP-MF-60', name: 'Microfibre mop pad 60 cm', quantity: 200, unit: 'pcs', unitPrice: 4.2, discountPercent: 0, amount: amount - 1463 },
    ],
    amount,
    paymentTermsDays: 30,
  });
const shipment = (tenantId: string, companyId: string, orderId: string, shipmentId: string, amount: number, currency = 'EUR') =>
  createEvent(ErpShipmentDispatched, erp(tenantId, orderId), {
    shipmentId, orderId, companyId, shippedAt: '2026-11-05T07:40:00.000Z', amount, currency, lines: [{ sku: 'CHEM-DS-10L', quantity: 40 }], carrier: 'DB Schenker', trackingNumber: 'DBS1',
  });
const payment = (tenantId: string, companyId: string, orderId: string, paymentId: string, amount: number, paidAt = '2026-11-28T12:00:00.000Z', currency = 'EUR') =>
  createEvent(ErpPaymentReceived, erp(tenantId, orderId), { paymentId, orderId, companyId, paidAt, amount, currency, method: 'BANK_TRANSFER' });

describe('purchases from the ERP', () => {
  it('keeps an order with its shipments and payments, whatever their order and however often they come', async () => {
    const owner = testIdentity();
    const companyId = await publishCompany(owner, 'Cleanwell');
    const orderId = `SO-${new Types.ObjectId()}`;
    const { tenantId } = owner;
    // Payment and a shipment first (the ERP's topics are consumed independently), then the order, then replays.
    await producer.send(payment(tenantId, companyId, orderId, 'PAY/1', 1000));
    await producer.send(shipment(tenantId, companyId, orderId, 'DN.1', 1463));
    await waitFor(async () => Object.keys((await PurchaseModel.findById(`${tenantId}:${orderId}`).lean())?.shipments ?? {}).length === 1, { what: 'the early shipment' });
    expect((await purchasesOf(owner, companyId)).edges).toEqual([]); // not listed before its order
    await producer.send(order(tenantId, companyId, orderId, '2026-11-03T10:15:00.000Z'));
    await producer.send(payment(tenantId, companyId, orderId, 'PAY/1', 1000), payment(tenantId, companyId, orderId, 'PAY/2', 1303, '2026-12-01T09:00:00.000Z'));
    await producer.send(shipment(tenantId, companyId, orderId, 'DN.1', 1463), shipment(tenantId, companyId, orderId, 'DN.2', 840));

    const page = await waitFor(async () => {
      const found = await purchasesOf(owner, companyId);
      return found.edges[0]?.node.payments.length === 2 && found.edges[0].node.shipments.length === 2 ? found : undefined;
    }, { what: 'the whole purchase' });
    expect(page.edges).toHaveLength(1);
    expect(page.edges[0].node).toEqual({
      id: orderId,
      orderNumber: orderId.slice(3),
      orderedAt: '2026-11-03T10:15:00.000Z',
      amount: 2303,
      currency: 'EUR',
      paymentTermsDays: 30,
      paymentDueAt: '2026-12-03T10:15:00.000Z',
      lines: [
        { sku: 'CHEM-DS-10L', name: 'Disinfectant concentrate 10 l', quantity: 40, unit: 'can', unitPrice: 38.5, discountPercent: 5, amount: 1463 },
        { sku: 'MOP-MF-60', name: 'Microfibre mop pad 60 cm', quantity: 200, unit: 'pcs', unitPrice: 4.2, discountPercent: 0, amount: 840 },
      ],
      shipmentStatus: 'SHIPPED',
      shippedAmount: 2303,
      paymentStatus: 'PAID',
      paidAmount: 2303,
      overdue: false,
      shipments: [
        { id: 'DN.1', shippedAt: '2026-11-05T07:40:00.000Z', amount: 1463, carrier: 'DB Schenker', trackingNumber: 'DBS1' },
        { id: 'DN.2', shippedAt: '2026-11-05T07:40:00.000Z', amount: 840, carrier: 'DB Schenker', trackingNumber: 'DBS1' },
      ],
      payments: [
        { id: 'PAY/1', paidAt: '2026-11-28T12:00:00.000Z', amount: 1000, method: 'BANK_TRANSFER' },
        { id: 'PAY/2', paidAt: '2026-12-01T09:00:00.000Z', amount: 1303, method: 'BANK_TRANSFER' },
      ],
    });
  });

  it('pages a company\'s orders newest first, shows partial and overdue states, and shows nothing to another tenant', async () => {
    const owner = testIdentity();
    const companyId = await publishCompany(owner, 'Pages');
    const ids = ['2025-01-10', '2025-03-10', '2025-02-10'].map((day) => ({ id: `SO-${new Types.ObjectId()}`, at: `${day}T08:00:00.000Z` }));
    await producer.send(...ids.map(({ id, at }) => order(owner.tenantId, companyId, id, at, 1000 + 1463)));
    await producer.send(payment(owner.tenantId, companyId, ids[1]!.id, 'P-1', 100), shipment(owner.tenantId, companyId, ids[1]!.id, 'S-1', 1463));
    // Payments and shipments come on topics of their own, consumed independently: wait for both.
    await waitFor(async () => {
      const newest = (await purchasesOf(owner, companyId, { first: 3 })).edges[0]?.node;
      return newest?.paidAmount === 100 && newest.shippedAmount === 1463;
    }, { what: 'three orders, a payment and a shipment' });

    const first = await purchasesOf(owner, companyId, { first: 2 });
    expect(first.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ids[1]!.id, ids[2]!.id]);
    expect(first.edges[0].node).toMatchObject({ paymentStatus: 'PARTIALLY_PAID', shipmentStatus: 'PARTIALLY_SHIPPED', overdue: true });
    expect(first.edges[1].node).toMatchObject({ paymentStatus: 'UNPAID', shipmentStatus: 'NOT_SHIPPED', overdue: true, paidAmount: 0 });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await purchasesOf(owner, companyId, { first: 2, after: first.pageInfo.endCursor });
    expect(second.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ids[0]!.id]);
    expect(second.pageInfo.hasNextPage).toBe(false);

    expect((await purchasesOf(testIdentity(), companyId)).edges).toEqual([]);
    const tooMany = await subgraphRequest(service.url, owner, PURCHASES, { reps: [{ __typename: 'Company', id: companyId }], first: 101 });
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
    const badCursor = await subgraphRequest(service.url, owner, PURCHASES, { reps: [{ __typename: 'Company', id: companyId }], after: 'garbage' });
    expect(errorCodes(badCursor)).toEqual(['BAD_USER_INPUT']);
  });

  it("shows a company's purchases only with the company read right, in its row scope, following the company's owner", async () => {
    const admin = testIdentity();
    const anna = testIdentity(admin.tenantId, ['manager']);
    const bob = testIdentity(admin.tenantId, ['manager']);
    const noRights = testIdentity(admin.tenantId, ['trainee']);
    const companyId = await publishCompany(admin, 'Anna\'s client', anna.userId);
    const orderId = `SO-${new Types.ObjectId()}`;
    await producer.send(order(admin.tenantId, companyId, orderId, '2026-11-03T10:15:00.000Z'));
    await waitFor(async () => (await purchasesOf(admin, companyId)).edges.length === 1, { what: 'the order' });
    const ask = (identity: Identity) => subgraphRequest(service.url, identity, PURCHASES, { reps: [{ __typename: 'Company', id: companyId }] });
    const orderIds = async (identity: Identity) => (await purchasesOf(identity, companyId)).edges.map((edge: { node: { id: string } }) => edge.node.id);

    expect(errorCodes(await ask(noRights))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await ask(bob))).toEqual(['FORBIDDEN']); // a manager reads their own and their teams' companies only
    expect(await orderIds(anna)).toEqual([orderId]);

    // Given to Bob (contacts' CompanyAssigned): Bob reads them, Anna no longer does.
    await producer.send(createEvent(CompanyAssigned, { tenantId: admin.tenantId, aggregateId: companyId }, { companyId, ownerId: bob.userId, previousOwnerId: anna.userId }));
    await waitFor(async () => (await KnownCompanyModel.findById(companyId).lean())?.ownerId === bob.userId, { what: 'the new owner to reach deals' });
    expect(await orderIds(bob)).toEqual([orderId]);
    expect(errorCodes(await ask(anna))).toEqual(['FORBIDDEN']);
  });

  it('parks an order in an unknown currency or whose amount is not its lines\' sum, and entries whose currency or company differ from their order\'s, also those that came before it', async () => {
    const owner = testIdentity();
    const { tenantId } = owner;
    const [companyId, otherId] = await Promise.all([publishCompany(owner, 'Buyer'), publishCompany(owner, 'Someone else')]);
    const dlq = await readTopics([topics.deadLetter]);
    const consumer = `deals.purchases${service.env.KAFKA_GROUP_SUFFIX}`;
    const parked = async (type: string, key: string) =>
      (await dlq.waitFor((m) => m.key === key && m.event?.type === type && m.headers['dlq-consumer'] === consumer, `${type} ${key} parked`)).headers['dlq-reason'];
    const at = '2026-11-03T10:15:00.000Z';
    try {
      // The order's own checks: an ISO 4217 code (XYZ has the shape only), and lines adding up to the cent.
      const xyz = order(tenantId, companyId, `SO-${new Types.ObjectId()}`, at);
      const unbalanced = order(tenantId, companyId, `SO-${new Types.ObjectId()}`, at);
      await producer.send({ ...xyz, data: { ...xyz.data, currency: 'XYZ' } }, { ...unbalanced, data: { ...unbalanced.data, amount: 2303.01 } });
      expect(await parked('ErpOrderPlaced', xyz.aggregateId)).toContain('ISO 4217');
      expect(await parked('ErpOrderPlaced', unbalanced.aggregateId)).toContain('is not the sum of its lines');

      // Entries after their order: another currency, another company, are refused; a matching one is kept.
      const after = `SO-${new Types.ObjectId()}`;
      await producer.send(order(tenantId, companyId, after, at));
      await waitFor(() => PurchaseModel.exists({ _id: `${tenantId}:${after}`, ordered: true }), { what: 'the order' });
      await producer.send(payment(tenantId, companyId, after, 'PAY-USD', 2303, undefined, 'USD'), payment(tenantId, otherId, after, 'PAY-OTHER', 2303), payment(tenantId, companyId, after, 'PAY-OK', 1000));
      await producer.send(shipment(tenantId, companyId, after, 'DN-CHF', 1463, 'CHF'));
      const parkedAfter = () => dlq.messages.filter((m) => m.key === after && m.headers['dlq-consumer'] === consumer);
      await waitFor(() => parkedAfter().length === 3, { what: 'three entries parked' });
      expect(parkedAfter().map((m) => m.headers['dlq-reason']).sort()).toEqual([
        `payment PAY-OTHER names company ${otherId}, its order ${after} company ${companyId}`,
        `payment PAY-USD is in USD, its order ${after} in EUR`,
        `shipment DN-CHF is in CHF, its order ${after} in EUR`,
      ]);

      // Entries before their order are kept until it comes, then checked: the stray ones are removed,
      // and the order's message is parked naming them (their own were consumed before the order could judge them).
      const before = `SO-${new Types.ObjectId()}`;
      await producer.send(payment(tenantId, otherId, before, 'PAY-EARLY-OTHER', 2303), payment(tenantId, companyId, before, 'PAY-EARLY-OK', 303));
      await producer.send(shipment(tenantId, companyId, before, 'DN-EARLY-USD', 1463, 'USD'));
      await waitFor(async () => {
        const early = await PurchaseModel.findById(`${tenantId}:${before}`).lean();
        return Object.keys(early?.payments ?? {}).length === 2 && Object.keys(early?.shipments ?? {}).length === 1;
      }, { what: 'the early entries' });
      await producer.send(order(tenantId, companyId, before, '2026-11-04T10:15:00.000Z'));
      const refused = await parked('ErpOrderPlaced', before);
      expect(refused).toContain(`payment PAY-EARLY-OTHER names company ${otherId}, its order ${before} company ${companyId}`);
      expect(refused).toContain(`shipment DN-EARLY-USD is in USD, its order ${before} in EUR`);
      expect(refused).not.toContain('PAY-EARLY-OK');

      const listed = (await purchasesOf(owner, companyId)).edges.map((edge: { node: any }) => edge.node);
      expect(listed.map((node: { id: string }) => node.id)).toEqual([before, after]);
      expect(listed[0]).toMatchObject({ payments: [{ id: 'PAY-EARLY-OK', amount: 303 }], paidAmount: 303, shipments: [], shippedAmount: 0 });
      expect(listed[1]).toMatchObject({ payments: [{ id: 'PAY-OK', amount: 1000 }], paidAmount: 1000, shipments: [], shippedAmount: 0 });
      expect((await purchasesOf(owner, otherId)).edges).toEqual([]);
      expect(await PurchaseModel.countDocuments({ _id: { $in: [`${tenantId}:${xyz.aggregateId}`, `${tenantId}:${unbalanced.aggregateId}`] } })).toBe(0);
    } finally {
      await dlq.close();
    }
  });

  it("parks an ERP event naming another tenant's company, and one from a source that is not the ERP", async () => {
    const owner = testIdentity();
    const companyId = await publishCompany(owner, 'Owned');
    const intruder = testIdentity();
    const orderId = `SO-${new Types.ObjectId()}`;
    const dlq = await readTopics([topics.deadLetter]);
    try {
      const consumer = `deals.purchases${service.env.KAFKA_GROUP_SUFFIX}`;
      await producer.send(order(intruder.tenantId, companyId, orderId, '2026-11-03T10:15:00.000Z'));
      const parked = await dlq.waitFor((m) => m.key === orderId && m.headers['dlq-consumer'] === consumer, 'the foreign order parked');
      expect(parked.headers['dlq-reason']).toBe(`company ${companyId} belongs to another tenant`);

      const forged = { ...order(owner.tenantId, companyId, `${orderId}-f`, '2026-11-03T10:15:00.000Z'), source: 'contacts' };
      await producer.sendRaw(topics.erpOrders, { key: forged.aggregateId, value: JSON.stringify(forged) });
      const refused = await dlq.waitFor((m) => m.key === forged.aggregateId && m.headers['dlq-consumer'] === consumer, 'the forged order parked');
      expect(refused.headers['dlq-reason']).toContain('which only erp publishes on');
      expect(await PurchaseModel.countDocuments({ tenantId: { $in: [owner.tenantId, intruder.tenantId] } })).toBe(0);
    } finally {
      await dlq.close();
    }
  });
});
