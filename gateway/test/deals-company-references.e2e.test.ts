import { CompanyCreated, CompanyCompletenessChanged, CompanyRiskFlagsChanged, createEvent, ErpOrderPlaced, TeamChanged } from '@crm/events';
import { createTestProducer } from '@crm/messaging/testing';
import { dataOf, errorCodes, gatewayClient, useStack, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';

const stack = useStack();
const producer = createTestProducer();
afterAll(() => producer.close());

const CREATE_DEAL = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id companyVerified companyReference } }`;
// Enough to keep the consumer busy for a while; every deals service on the shared broker reads them too.
const FLOOD = 500;

describe('deals and companies through the gateway', () => {
  it('creates a company and at once a deal for it while the deals consumer lags behind a flood, and verifies the deal when the event arrives', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const asHead = gatewayClient(stack.gatewayUrl, head);
    const { createPipeline: pipeline } = dataOf(await asHead(`mutation { createPipeline(input: { name: "Cleaning", stages: [{ name: "Prospect", probability: 0.1 }, { name: "Won", probability: 1 }] }) { id } }`));

    // Another tenant's burst of companies ahead of ours on the topic: deals' consumer is behind.
    const filler = testIdentity().tenantId;
    const flood = Array.from({ length: FLOOD }, (_, i) => {
      const companyId = new Types.ObjectId().toString();
      return createEvent(CompanyCreated, { tenantId: filler, aggregateId: companyId }, { companyId, name: `Filler ${i}` });
    });
    for (let at = 0; at < flood.length; at += 500) await producer.send(...flood.slice(at, at + 500));

    const { createCompany: company } = dataOf(await asHead(`mutation { createCompany(input: { name: "Fresh Client GmbH" }) { id } }`));
    const input = { title: 'First order', companyId: company.id, pipelineId: pipeline.id, amount: 9000, currency: 'EUR' };
    const created = await asHead(CREATE_DEAL, { input }); // at once: no retry, no wait on our side
    const deal = dataOf(created).createDeal;
    console.log(`deal created with its company reference ${deal.companyReference} (${FLOOD} company events queued ahead)`);
    expect(['VERIFIED', 'PENDING']).toContain(deal.companyReference);
    expect(deal.companyVerified).toBe(deal.companyReference === 'VERIFIED');

    const seen = await waitFor(
      async () => {
        const { deal: current } = dataOf(await asHead(`query ($id: ID!) { deal(id: $id) { companyVerified companyReference company { id name } } }`, { id: deal.id }));
        return current.companyVerified ? current : undefined;
      },
      { what: 'the deal to be verified', timeoutMs: 90_000, intervalMs: 250 },
    );
    expect(seen).toEqual({ companyVerified: true, companyReference: 'VERIFIED', company: { id: company.id, name: 'Fresh Client GmbH' } });

    // Another tenant cannot use the id: NOT_FOUND at once.
    const eve = gatewayClient(stack.gatewayUrl, testIdentity(undefined, ['admin']));
    const { createPipeline: evePipeline } = dataOf(await eve(`mutation { createPipeline(input: { name: "Mine", stages: [{ name: "A", probability: 0.5 }] }) { id } }`));
    expect(errorCodes(await eve(CREATE_DEAL, { input: { ...input, pipelineId: evePipeline.id } }))).toEqual(['NOT_FOUND']);
  }, 180_000);

  it('asks for and decides a concession, and shows the client\'s ERP purchases beside its deals', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const manager = testIdentity(head.tenantId, ['manager']);
    const asHead = gatewayClient(stack.gatewayUrl, head);
    const asManager = gatewayClient(stack.gatewayUrl, manager);
    // The head leads the manager's team (as the directory publishes it): the manager's deal is in the head's scope.
    const teamId = new Types.ObjectId().toString();
    await producer.send(
      createEvent(TeamChanged, { tenantId: head.tenantId, aggregateId: teamId }, {
        teamId, change: 'CREATED', name: 'North', leadId: head.userId, memberIds: [manager.userId], territoryIds: [], industries: [], keyCompanyIds: [], revision: 1, deleted: false,
      }),
    );
    const { createPipeline: pipeline } = dataOf(await asHead(`mutation { createPipeline(input: { name: "Distribution", stages: [{ name: "Planned order", probability: 0.2 }] }) { id } }`));
    const { createCompany: company } = dataOf(await asManager(`mutation { createCompany(input: { name: "Nordwind Logistik GmbH" }) { id } }`));
    const { createDeal: deal } = dataOf(await asManager(CREATE_DEAL, { input: { title: 'Annual supply', companyId: company.id, pipelineId: pipeline.id, amount: 50000, currency: 'EUR' } }));

    const { requestConcession: request } = dataOf(
      await asManager(`mutation ($d: ID!) { requestConcession(dealId: $d, input: { kind: SPECIAL_PRICE, discountPercent: 6, rationale: "Competing offer" }) { id status } }`, { d: deal.id }),
    );
    const DECIDE = `mutation ($id: ID!, $approve: Boolean!) { decideConcession(id: $id, approve: $approve, rationale: "Checked") { status decidedBy } }`;
    expect(errorCodes(await asManager(DECIDE, { id: request.id, approve: true }))).toEqual(['FORBIDDEN']);

    // The profile as contacts reports it: incomplete first, then complete with no flags.
    const meta = { tenantId: head.tenantId, aggregateId: company.id };
    await producer.send(createEvent(CompanyCompletenessChanged, meta, { companyId: company.id, percent: 50, missing: ['industry'] }));
    const refused = await waitFor(async () => {
      const answer = await asHead(DECIDE, { id: request.id, approve: true });
      return (answer.errors?.[0]?.extensions?.missing as string[] | undefined)?.includes('industry') ? answer : undefined;
    }, { what: 'the incomplete profile to refuse the approval', timeoutMs: 90_000, intervalMs: 250 });
    expect(errorCodes(refused)).toEqual(['FAILED_PRECONDITION']);
    await producer.send(
      createEvent(CompanyCompletenessChanged, meta, { companyId: company.id, percent: 100, missing: [] }),
      createEvent(CompanyRiskFlagsChanged, meta, { companyId: company.id, riskFlags: [] }),
    );
    const approved = await waitFor(async () => (await asHead(DECIDE, { id: request.id, approve: true })).data?.decideConcession, { what: 'the approval', timeoutMs: 90_000, intervalMs: 250 });
    expect(approved).toEqual({ status: 'APPROVED', decidedBy: head.userId });

    const orderId = `SO-${new Types.ObjectId()}`;
    await producer.send(
      createEvent(ErpOrderPlaced, { tenantId: head.tenantId, aggregateId: orderId }, {
        orderId, orderNumber: '4211', companyId: company.id, orderedAt: '2026-11-03T10:15:00.000Z', currency: 'EUR', amount: 840, paymentTermsDays: 30,
        lines: [{ sku: 'MOP-MF-60', name: 'Microfibre mop pad 60 cm', quantity: 200, unit: 'pcs', unitPrice: 4.2, discountPercent: 0, amount: 840 }],
      }),
    );
    const view = await waitFor(async () => {
      const { company: seen } = dataOf(
        await asManager(`query ($id: ID!) { company(id: $id) { name deals { title concessions { status } } purchases { edges { node { orderNumber amount paymentStatus lines { sku } } } } } }`, { id: company.id }),
      );
      return seen.purchases.edges.length > 0 ? seen : undefined;
    }, { what: 'the purchase to show', timeoutMs: 90_000, intervalMs: 250 });
    expect(view).toEqual({
      name: 'Nordwind Logistik GmbH',
      deals: [{ title: 'Annual supply', concessions: [{ status: 'APPROVED' }] }],
      purchases: { edges: [{ node: { orderNumber: '4211', amount: 840, paymentStatus: 'UNPAID', lines: [{ sku: 'MOP-MF-60' }] } }] },
    });
  }, 300_000);
});
