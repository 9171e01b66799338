import { dataOf, errorCodes, gatewayClient, useStack, testIdentity, waitFor } from '@crm/testing';

const stack = useStack();

const DEAL_360 = `query ($id: ID!) {
  deal(id: $id) {
    title amount currency status
    company { name contacts { fullName email } }
    stage { name position }
    activities { kind subject status dueAt assigneeId deal { id } }
    pipeline { funnel { totalDeals stages { name reached conversionToNext } bottleneck { name } overallConversion } }
  }
}`;

describe('the vertical slice through the gateway', () => {
  it('creates a client, a pipeline and a deal, moves it, and shows it all in one query', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const manager = testIdentity(head.tenantId, ['manager']);
    const asHead = gatewayClient(stack.gatewayUrl, head);
    const asManager = gatewayClient(stack.gatewayUrl, manager);

    const { createCompany: company } = dataOf(await asManager(`mutation { createCompany(input: { name: "Cleanwell Facilities", website: "cleanwell.example" }) { id name } }`));
    dataOf(
      await asManager(`mutation ($c: ID) { createContact(input: { firstName: "Maria", lastName: "Ortega", email: "Maria@Cleanwell.example", phone: "+34 612 345 678", companyId: $c, position: "COO" }) { id } }`, { c: company.id }),
    );
    const { createPipeline: pipeline } = dataOf(
      await asHead(
        `mutation { createPipeline(input: { name: "Cleaning services", stages: [
          { name: "Prospect", probability: 0.05 }, { name: "Meeting agreed", probability: 0.2 },
          { name: "Proposal discussed", probability: 0.5 }, { name: "Contract signed", probability: 1 } ] }) { id stages { id name } } }`,
      ),
    );

    // Deals learns of the company from its CompanyCreated event: wait until it does.
    const createDeal = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id stage { name } status } }`;
    const input = { title: 'Office cleaning 2027', companyId: company.id, pipelineId: pipeline.id, amount: 48000, currency: 'EUR' };
    const deal = await waitFor(async () => (await asManager(createDeal, { input })).data?.createDeal, { what: 'deals to know the new company' });
    expect(deal).toMatchObject({ stage: { name: 'Prospect' }, status: 'OPEN' });
    const second = dataOf(await asManager(createDeal, { input: { ...input, title: 'Window cleaning' } })).createDeal;

    const move = `mutation ($id: ID!, $stageId: ID!) { moveDealToStage(id: $id, stageId: $stageId) { stage { name } } }`;
    expect(dataOf(await asManager(move, { id: deal.id, stageId: pipeline.stages[1].id })).moveDealToStage.stage.name).toBe('Meeting agreed');
    dataOf(await asManager(move, { id: deal.id, stageId: pipeline.stages[2].id }));
    dataOf(await asManager(move, { id: second.id, stageId: pipeline.stages[1].id }));

    // Activities and analytics follow from the events; wait for what a user would see.
    const view = await waitFor(
      async () => {
        const { deal: seen } = dataOf(await asManager(DEAL_360, { id: deal.id }));
        const reached = seen.pipeline.funnel.stages.map((stage: { reached: number }) => stage.reached);
        return seen.activities.length === 2 && reached.join() === '2,2,1,0' ? seen : undefined;
      },
      { what: 'the stage tasks and the funnel to catch up' },
    );
    expect(view).toMatchObject({
      title: 'Office cleaning 2027',
      amount: 48000,
      currency: 'EUR',
      status: 'OPEN',
      company: { name: 'Cleanwell Facilities', contacts: [{ fullName: 'Maria Ortega', email: 'maria@cleanwell.example' }] },
      stage: { name: 'Proposal discussed', position: 2 },
    });
    expect(view.activities.map((a: { subject: string }) => a.subject).sort()).toEqual([
      'Stage Meeting agreed: Office cleaning 2027',
      'Stage Proposal discussed: Office cleaning 2027',
    ]);
    for (const activity of view.activities) {
      expect(activity).toMatchObject({ kind: 'TASK', status: 'PLANNED', assigneeId: manager.userId, deal: { id: deal.id } });
      expect(Date.parse(activity.dueAt)).toBeGreaterThan(Date.now());
    }
    expect(view.pipeline.funnel).toEqual({
      totalDeals: 2,
      stages: [
        { name: 'Prospect', reached: 2, conversionToNext: 1 },
        { name: 'Meeting agreed', reached: 2, conversionToNext: 0.5 },
        { name: 'Proposal discussed', reached: 1, conversionToNext: 0 },
        { name: 'Contract signed', reached: 0, conversionToNext: null },
      ],
      bottleneck: { name: 'Proposal discussed' },
      overallConversion: 0,
    });

    // The same funnel as a root query, and the company's deals from the deals subgraph.
    const { funnel } = dataOf(await asHead(`query ($p: ID!) { funnel(pipelineId: $p) { bottleneck { name } } }`, { p: pipeline.id }));
    expect(funnel.bottleneck.name).toBe('Proposal discussed');
    // (As its owner: a head of sales sees only the records of their teams, and this one leads none.)
    const { company: withDeals } = dataOf(await asManager(`query ($id: ID!) { company(id: $id) { name deals { title stage { name } } } }`, { id: company.id }));
    expect(withDeals.deals).toEqual([
      { title: 'Window cleaning', stage: { name: 'Meeting agreed' } },
      { title: 'Office cleaning 2027', stage: { name: 'Proposal discussed' } },
    ]);
  });

  it('answers bad input with stable codes and writes nothing', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const asAdmin = gatewayClient(stack.gatewayUrl, admin);
    const asManager = gatewayClient(stack.gatewayUrl, testIdentity(admin.tenantId, ['manager']));
    const { createCompany: company } = dataOf(await asAdmin(`mutation { createCompany(input: { name: "Northwind" }) { id } }`));
    const { createPipeline: pipeline } = dataOf(await asAdmin(`mutation { createPipeline(input: { name: "Sales", stages: [{ name: "A", probability: 0.1 }, { name: "B", probability: 0.9 }] }) { id stages { id } } }`));
    const { createPipeline: other } = dataOf(await asAdmin(`mutation { createPipeline(input: { name: "Other", stages: [{ name: "X", probability: 0.1 }] }) { id stages { id } } }`));
    const createDeal = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`;
    const input = { title: 'Deal', companyId: company.id, pipelineId: pipeline.id, amount: 10, currency: 'USD' };
    const deal = await waitFor(async () => (await asAdmin(createDeal, { input })).data?.createDeal, { what: 'deals to know the company' });

    expect(errorCodes(await asAdmin(`mutation { createCompany(input: { name: "" }) { id } }`))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await asAdmin(createDeal, { input: { ...input, currency: 'EURO' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await asAdmin(createDeal, { input: { ...input, companyId: '0123456789abcdef01234567' } }))).toEqual(['NOT_FOUND']);
    const move = `mutation ($id: ID!, $s: ID!) { moveDealToStage(id: $id, stageId: $s) { id } }`;
    expect(errorCodes(await asAdmin(move, { id: deal.id, s: other.stages[0].id }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await asManager(`mutation { createPipeline(input: { name: "Mine", stages: [{ name: "A", probability: 0.5 }] }) { id } }`))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await asAdmin(`query { funnel(pipelineId: "0123456789abcdef01234567") { totalDeals } }`))).toEqual(['NOT_FOUND']);

    // Another tenant sees none of it and cannot touch it.
    const asStranger = gatewayClient(stack.gatewayUrl, testIdentity(undefined, ['admin']));
    expect(dataOf(await asStranger(`query ($id: ID!) { deal(id: $id) { id } }`, { id: deal.id })).deal).toBeNull();
    expect(dataOf(await asStranger(`query ($id: ID!) { company(id: $id) { id } }`, { id: company.id })).company).toBeNull();
    expect(errorCodes(await asStranger(move, { id: deal.id, s: pipeline.stages[1].id }))).toEqual(['NOT_FOUND']);
    expect(dataOf(await asStranger(`{ pipelines { id } companies { totalCount } }`))).toEqual({ pipelines: [], companies: { totalCount: 0 } });

    // Nothing of the refused writes exists.
    const { companies } = dataOf(await asAdmin(`{ companies { totalCount } }`));
    expect(companies.totalCount).toBe(1);
    const { deal: unchanged } = dataOf(await asAdmin(`query ($id: ID!) { deal(id: $id) { stage { name } stageHistory { to { name } } } }`, { id: deal.id }));
    expect(unchanged).toEqual({ stage: { name: 'A' }, stageHistory: [{ to: { name: 'A' } }] });
  });

  it('refuses requests without a valid token', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ pipelines { id } }' }) });
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-jwt' }, { authorization: 'Basic abc' }];
    for (const headers of attempts) {
      const response = await post(headers);
      expect(response.status).toBe(401);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('serves Apollo Sandbox on its landing page', async () => {
    const response = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/sandbox/i);
  });
});
