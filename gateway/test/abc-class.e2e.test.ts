// ABC analysis end to end: deals won through the gateway reach analytics' revenue counters, a run
// publishes the changed classes, and the contacts service shows them on the company cards.
import { dataOf, errorCodes, gatewayClient, useStack, testIdentity, waitFor } from '@crm/testing';

const stack = useStack();

describe('ABC analysis through the gateway', () => {
  it('classifies the clients by the deals they won and the class reaches the company card', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const asHead = gatewayClient(stack.gatewayUrl, head);
    const company = async (name: string) => dataOf(await asHead(`mutation ($name: String!) { createCompany(input: { name: $name }) { id } }`, { name })).createCompany.id as string;
    const [big, small] = [await company('Big Client GmbH'), await company('Small Client AG')];
    const { createPipeline: pipeline } = dataOf(
      await asHead(`mutation { createPipeline(input: { name: "Direct", stages: [{ name: "Offer", probability: 0.5 }, { name: "Won", probability: 1, kind: WON }] }) { id stages { id kind } } }`),
    );
    const won = pipeline.stages.find((stage: { kind: string }) => stage.kind === 'WON').id;
    const createDeal = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`;
    for (const [companyId, amount] of [
      [big, 900],
      [small, 100],
    ] as const) {
      const input = { title: 'Cleaning contract', companyId, pipelineId: pipeline.id, amount, currency: 'EUR' };
      const deal = await waitFor(async () => (await asHead(createDeal, { input })).data?.createDeal, { what: 'deals to know the new company' });
      dataOf(await asHead(`mutation ($id: ID!, $s: ID!) { moveDealToStage(id: $id, stageId: $s) { status } }`, { id: deal.id, s: won }));
    }

    // 900 of 1000 is 0.9: A only with a above it.
    expect(dataOf(await asHead(`mutation { setAbcThresholds(a: 0.9, b: 0.95) { a b } }`)).setAbcThresholds).toEqual({ a: 0.9, b: 0.95 });
    const period = { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() };
    const analysis = `query ($from: DateTime!, $to: DateTime!) { abcAnalysis(from: $from, to: $to) { total rows { company { id name } revenue abcClass } } }`;
    const rows = await waitFor(
      async () => {
        const result = dataOf(await asHead(analysis, period)).abcAnalysis;
        return result.total === 1000 ? result.rows : undefined;
      },
      { what: 'analytics to count both wins' },
    );
    // The name comes from the contacts subgraph through the Company entity.
    expect(rows).toEqual([
      { company: { id: big, name: 'Big Client GmbH' }, revenue: 900, abcClass: 'A' },
      { company: { id: small, name: 'Small Client AG' }, revenue: 100, abcClass: 'C' },
    ]);

    const run = `mutation ($from: DateTime!, $to: DateTime!) { runAbcAnalysis(from: $from, to: $to) { changedClasses } }`;
    expect(errorCodes(await gatewayClient(stack.gatewayUrl, testIdentity(head.tenantId, ['manager']))(run, period))).toEqual(['FORBIDDEN']);
    expect(dataOf(await asHead(run, period)).runAbcAnalysis.changedClasses).toBe(2);
    const cards = await waitFor(
      async () => {
        const { a, b } = dataOf(await asHead(`query ($a: ID!, $b: ID!) { a: company(id: $a) { abcClass } b: company(id: $b) { abcClass } }`, { a: big, b: small }));
        return a?.abcClass && b?.abcClass ? [a.abcClass, b.abcClass] : undefined;
      },
      { what: 'the classes to reach the company cards' },
    );
    expect(cards).toEqual(['A', 'C']);

    // Capacity from the stored analysis: A 1 client, C 1 client, at the default norms.
    const plan = dataOf(
      await asHead(`query { capacityPlan(input: { contactPlan: [{ abcClass: A, operations: [{ operation: MEETING_ON_SITE, perYear: 4 }] }], sellingHoursPerManagerYear: 6 }) { totalHours managersNeeded terms } }`),
    ).capacityPlan;
    // A: 4 × 180 min = 720 min = 12 h × 1 client = 12 h; 12 h / 6 h = 2 managers
    expect(plan).toMatchObject({ totalHours: 12, managersNeeded: 2 });
  });
});
