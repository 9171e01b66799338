import { CompanyCreated, CompanyUpdated, createEvent } from '@crm/events';
import { policyKey, PolicyTeamModel } from '@crm/policy';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { CompanyFactModel } from '../src/modules/company-facts/company-fact.model';
import { startAnalytics } from '../src/service';
import { connectProducer, newId } from './events';
import { dealStory, pipelineWith, waitAnalytics, waitProcessedBy } from './facts-events';
import { amountDeniedReader, errorPaths } from './money-rights';

const WIN_RATE = `query ($from: DateTime!, $to: DateTime!, $groupBy: ResultsGroupBy) {
  winRate(from: $from, to: $to, groupBy: $groupBy) { groupBy rows { key won lost winRate } total { won lost winRate } }
}`;
const REVENUE = `query ($from: DateTime!, $to: DateTime!, $groupBy: ResultsGroupBy) {
  revenue(from: $from, to: $to, groupBy: $groupBy) { rows { key deals revenue { amount unconverted { currency amount } } } total { deals revenue { amount currency } } }
}`;
const LOST = `query ($from: DateTime!, $to: DateTime!) {
  lostReasonStats(from: $from, to: $to) { totalDeals rows { reason deals share money { amount } } }
}`;
const FORECAST = `query ($fromMonth: String!, $months: Int) {
  forecast(fromMonth: $fromMonth, months: $months) {
    fromMonth
    months { month deals amount { amount unconverted { currency amount } } weighted { amount unconverted { currency amount } } }
    amount { amount currency unconverted { currency amount } }
    weighted { amount unconverted { currency amount } }
  }
}`;

const service = serviceUnderTest('analytics', startAnalytics);
const alice = testIdentity();
const call = (query: string, variables?: object, identity = alice) => subgraphRequest(service.url, identity, query, variables);
const february = { from: '2026-02-01T00:00:00.000Z', to: '2026-02-28T23:59:59.000Z' };
const companyX = newId();
const companyY = newId();
let producer: Awaited<ReturnType<typeof connectProducer>>;

const company = (companyId: string, name: string, at: string, industry?: string) => [
  createEvent(CompanyCreated, { tenantId: alice.tenantId, aggregateId: companyId, occurredAt: new Date(at) }, { companyId, name }),
  ...(industry
    ? [createEvent(CompanyUpdated, { tenantId: alice.tenantId, aggregateId: companyId, occurredAt: new Date(new Date(at).getTime() + 1000) }, { companyId, name, changes: [{ field: 'industry', from: null, to: industry }] })]
    : []),
];

beforeAll(async () => {
  producer = await connectProducer();
  const pipeline = pipelineWith(alice.tenantId, [
    { name: 'Lead', probability: 0.1 },
    { name: 'Proposal', probability: 0.5 },
    { name: 'Won', kind: 'WON', probability: 1 },
    { name: 'Lost', kind: 'LOST', probability: 0 },
  ]);
  const story = (spec: Omit<Parameters<typeof dealStory>[3], 'createdAt'>) => dealStory(alice.tenantId, pipeline.pipelineId, pipeline.stages, { createdAt: '2026-01-10T09:00:00.000Z', ...spec });
  const deals = [
    story({ ownerId: 'user-anna', teamId: 'north', source: 'WEB_FORM', companyId: companyX, amount: 1000 })
      .update('2026-01-11T09:00:00.000Z', [{ field: 'lineItems', from: [], to: [{ product: 'Mop', quantity: 2, unitPrice: 100, discountPercent: 10 }, { product: 'Bucket', quantity: 1, unitPrice: 70 }] }])
      .move(2, '2026-02-10T09:00:00.000Z'),
    story({ ownerId: 'user-anna', teamId: 'north', source: 'FAIR', companyId: companyY, amount: 500, currency: 'USD' }).move(2, '2026-02-12T09:00:00.000Z'),
    story({ ownerId: 'user-bob', teamId: 'south', source: 'WEB_FORM', companyId: companyX, amount: 2000 }).move(3, '2026-02-15T09:00:00.000Z', 'Price'),
    story({ ownerId: 'user-bob', teamId: 'south', companyId: companyY, amount: 300 }).move(3, '2026-02-20T09:00:00.000Z', 'Timing'),
    story({ ownerId: 'user-bob', companyId: companyY, amount: 700 }).move(3, '2026-02-21T09:00:00.000Z', 'Price'),
    story({ ownerId: 'user-bob', amount: 400 }).move(2, '2026-02-22T09:00:00.000Z').reopen(1, '2026-02-23T09:00:00.000Z'), // won, reopened: counts nothing
    story({ ownerId: 'user-anna', amount: 999 }).move(2, '2026-04-02T09:00:00.000Z'), // won after the period
    // Open deals for the forecast.
    story({ amount: 1000, expectedCloseDate: '2026-03-15' }),
    story({ amount: 2000, expectedCloseDate: '2026-03-31' }).move(1, '2026-01-12T09:00:00.000Z'),
    story({ amount: 500, currency: 'USD', expectedCloseDate: '2026-04-10' }).move(1, '2026-01-12T09:00:00.000Z'),
    story({ amount: 100, currency: 'GBP', expectedCloseDate: '2026-05-01' }),
    story({ amount: 5000, expectedCloseDate: '2026-08-01' }),
  ];
  // Company X's industry is known from the start; company Y's arrives after its deals closed.
  const events = [pipeline.event, ...company(companyX, 'X Logistik', '2026-01-01T00:00:00.000Z', 'Logistics'), ...company(companyY, 'Y Retail', '2026-01-01T00:00:00.000Z'), ...deals.flatMap((deal) => deal.events)];
  await producer.send(...events);
  await waitAnalytics(events, service.env);
  const industryOfY = createEvent(CompanyUpdated, { tenantId: alice.tenantId, aggregateId: companyY, occurredAt: new Date('2026-03-01T00:00:00.000Z') }, { companyId: companyY, name: 'Y Retail', changes: [{ field: 'industry', from: null, to: 'Retail' }] });
  await producer.send(industryOfY);
  await waitProcessedBy('analytics.facts', [industryOfY], service.env);
  dataOf(await call(`mutation { setExchangeRates(rates: [{ currency: "USD", rate: 0.9 }]) { currency } }`));
});
afterAll(() => producer.close());

describe('win rate, lost reasons and revenue', () => {
  it('gives the win rate of the deals closed in the period, in total and by owner', async () => {
    const byOwner = dataOf(await call(WIN_RATE, { ...february, groupBy: 'OWNER' })).winRate;
    expect(byOwner).toEqual({
      groupBy: 'OWNER',
      rows: [
        { key: 'user-bob', won: 0, lost: 3, winRate: 0 },
        { key: 'user-anna', won: 2, lost: 0, winRate: 1 },
      ],
      total: { won: 2, lost: 3, winRate: 0.4 },
    });
  });

  it("groups by the company's industry, also when it becomes known after the deals closed", async () => {
    const byIndustry = dataOf(await call(WIN_RATE, { ...february, groupBy: 'INDUSTRY' })).winRate;
    expect(byIndustry.rows).toEqual([
      { key: 'Retail', won: 1, lost: 2, winRate: 1 / 3 },
      { key: 'Logistics', won: 1, lost: 1, winRate: 0.5 },
    ]);
  });

  it('moves the deals to the new industry when the change comes again after a crash that left only the company written', async () => {
    const bob = testIdentity();
    const companyId = newId();
    const pipeline = pipelineWith(bob.tenantId, [{ name: 'Lead' }, { name: 'Won', kind: 'WON' }]);
    const deals = [1000, 2000].map((amount) => dealStory(bob.tenantId, pipeline.pipelineId, pipeline.stages, { companyId, amount, createdAt: '2026-01-10T09:00:00.000Z' }).move(1, '2026-02-10T09:00:00.000Z'));
    const updated = (at: string, from: string | null, to: string) =>
      createEvent(CompanyUpdated, { tenantId: bob.tenantId, aggregateId: companyId, occurredAt: new Date(at) }, { companyId, name: 'Z Trade', changes: [{ field: 'industry', from, to }] });
    const events = [
      pipeline.event,
      createEvent(CompanyCreated, { tenantId: bob.tenantId, aggregateId: companyId, occurredAt: new Date('2026-01-01T00:00:00.000Z') }, { companyId, name: 'Z Trade' }),
      updated('2026-01-01T00:00:01.000Z', null, 'Wholesale'),
      ...deals.flatMap((deal) => deal.events),
    ];
    await producer.send(...events);
    await waitAnalytics(events, service.env);
    const byIndustry = async () => dataOf(await call(WIN_RATE, { ...february, groupBy: 'INDUSTRY' }, bob)).winRate.rows;
    expect(await byIndustry()).toEqual([{ key: 'Wholesale', won: 2, lost: 0, winRate: 1 }]);

    // Wholesale to Retail: the first attempt wrote the company fact, then the process died before its deals.
    const change = updated('2026-03-01T00:00:00.000Z', 'Wholesale', 'Retail');
    await CompanyFactModel.updateOne({ _id: companyId, tenantId: bob.tenantId }, { $set: { industry: 'Retail', lastEventAt: new Date(change.occurredAt) } });
    await producer.send(change);
    await waitProcessedBy('analytics.facts', [change], service.env);
    expect(await byIndustry()).toEqual([{ key: 'Retail', won: 2, lost: 0, winRate: 1 }]);
  });

  it('gives revenue in the base currency, shared over products in proportion to the line items', async () => {
    const byProduct = dataOf(await call(REVENUE, { ...february, groupBy: 'PRODUCT' })).revenue;
    // Deal 1: 1000 over line items 180 (Mop) and 70 (Bucket): 720 and 280. Deal 2: 500 USD × 0.9, no line items.
    expect(byProduct.rows).toEqual([
      { key: 'Mop', deals: 1, revenue: { amount: 720, unconverted: [] } },
      { key: null, deals: 1, revenue: { amount: 450, unconverted: [] } },
      { key: 'Bucket', deals: 1, revenue: { amount: 280, unconverted: [] } },
    ]);
    expect(byProduct.total).toEqual({ deals: 2, revenue: { amount: 1450, currency: 'EUR' } });
    const byTeam = dataOf(await call(REVENUE, { ...february, groupBy: 'TEAM' })).revenue;
    expect(byTeam.rows).toEqual([{ key: 'north', deals: 2, revenue: { amount: 1450, unconverted: [] } }]);
  });

  it('takes the products of a deal created with line items from its DealCreated, and a later change of them from DealUpdated', async () => {
    const carol = testIdentity();
    const pipeline = pipelineWith(carol.tenantId, [
      { name: 'Lead', probability: 0.1 },
      { name: 'Won', kind: 'WON', probability: 1 },
    ]);
    const story = (spec: Omit<Parameters<typeof dealStory>[3], 'createdAt'>) => dealStory(carol.tenantId, pipeline.pipelineId, pipeline.stages, { createdAt: '2026-02-02T09:00:00.000Z', ...spec });
    const deals = [
      // 3 × 100 less 10% = 270 and 30: the amount 300 shared 270 : 30.
      story({ amount: 300, lineItems: [{ product: 'Mop', quantity: 3, unitPrice: 100, discountPercent: 10 }, { product: 'Cloth', quantity: 3, unitPrice: 10 }] }).move(1, '2026-02-05T09:00:00.000Z'),
      // Created with a Mop, changed to a Bucket before it was won: the Bucket only.
      story({ amount: 70, lineItems: [{ product: 'Mop', quantity: 1, unitPrice: 70 }] })
        .update('2026-02-03T09:00:00.000Z', [{ field: 'lineItems', from: [{ product: 'Mop', quantity: 1, unitPrice: 70, discountPercent: 0 }], to: [{ product: 'Bucket', quantity: 1, unitPrice: 70, discountPercent: 0 }] }])
        .move(1, '2026-02-06T09:00:00.000Z'),
    ];
    const events = [pipeline.event, ...deals.flatMap((deal) => deal.events)];
    await producer.send(...events);
    await waitAnalytics(events, service.env);
    const byProduct = dataOf(await call(REVENUE, { ...february, groupBy: 'PRODUCT' }, carol)).revenue;
    expect(byProduct.rows).toEqual([
      { key: 'Mop', deals: 1, revenue: { amount: 270, unconverted: [] } },
      { key: 'Bucket', deals: 1, revenue: { amount: 70, unconverted: [] } },
      { key: 'Cloth', deals: 1, revenue: { amount: 30, unconverted: [] } },
    ]);
    expect(byProduct.total).toEqual({ deals: 2, revenue: { amount: 370, currency: 'EUR' } });
    const winRate = dataOf(await call(WIN_RATE, { ...february, groupBy: 'PRODUCT' }, carol)).winRate;
    expect(winRate.rows.map((row: { key: string; won: number }) => [row.key, row.won]).sort()).toEqual([
      ['Bucket', 1],
      ['Cloth', 1],
      ['Mop', 1],
    ]);
  });

  it('gives the lost reasons with their share and money', async () => {
    expect(dataOf(await call(LOST, february)).lostReasonStats).toEqual({
      totalDeals: 3,
      rows: [
        { reason: 'Price', deals: 2, share: 2 / 3, money: { amount: 2700 } },
        { reason: 'Timing', deals: 1, share: 1 / 3, money: { amount: 300 } },
      ],
    });
  });

  it('groups by owner or team only within the analytics read scope: OWN the own row, TEAM the teams and their people; the total stays tenant-wide', async () => {
    const anna = testIdentity(alice.tenantId, ['manager'], 'user-anna');
    const head = testIdentity(alice.tenantId, ['head_of_sales']);
    // The policy's view of the directory (as TeamChanged leaves it): the head leads north, with Anna.
    await PolicyTeamModel.create({ _id: policyKey(alice.tenantId, 'north'), tenantId: alice.tenantId, teamId: 'north', leadId: head.userId, memberIds: ['user-anna'], revision: 1, deleted: false });
    const winRate = async (groupBy: string, identity: typeof alice) => dataOf(await call(WIN_RATE, { ...february, groupBy }, identity)).winRate;
    const revenue = async (groupBy: string, identity: typeof alice) => dataOf(await call(REVENUE, { ...february, groupBy }, identity)).revenue;
    const keys = (result: any) => result.rows.map((row: any) => row.key);
    const total = { won: 2, lost: 3, winRate: 0.4 };
    const revenueTotal = { deals: 2, revenue: { amount: 1450, currency: 'EUR' } };

    // The whole tenant's groups for ALL.
    expect(keys(await winRate('OWNER', alice))).toEqual(['user-bob', 'user-anna']);
    expect(keys(await winRate('TEAM', alice))).toEqual(['north', 'south', null]);

    // OWN: Anna's own row, no team's (a team filter needs TEAM or ALL).
    expect(await winRate('OWNER', anna)).toEqual({ groupBy: 'OWNER', rows: [{ key: 'user-anna', won: 2, lost: 0, winRate: 1 }], total });
    expect(await winRate('TEAM', anna)).toEqual({ groupBy: 'TEAM', rows: [], total });
    expect(await revenue('OWNER', anna)).toEqual({ rows: [{ key: 'user-anna', deals: 2, revenue: { amount: 1450, unconverted: [] } }], total: revenueTotal });
    expect(await revenue('TEAM', anna)).toEqual({ rows: [], total: revenueTotal });

    // TEAM: the people and the teams of the head's teams; Bob, south and the deals without a team stay out.
    expect(await winRate('OWNER', head)).toEqual({ groupBy: 'OWNER', rows: [{ key: 'user-anna', won: 2, lost: 0, winRate: 1 }], total });
    expect(await winRate('TEAM', head)).toEqual({ groupBy: 'TEAM', rows: [{ key: 'north', won: 2, lost: 0, winRate: 1 }], total });
    expect(keys(await revenue('TEAM', head))).toEqual(['north']);
    // Groups that are neither people nor teams are aggregates of the tenant: every scope sees them.
    expect(keys(await winRate('INDUSTRY', anna))).toEqual(['Retail', 'Logistics']);
  });

  it('gives a role denied Deal.amount revenue and lost money as null with FORBIDDEN on each path, deal counts and win rates intact', async () => {
    const reader = await amountDeniedReader(alice.tenantId);
    // A reader with the right: as before.
    const full = dataOf(await call(REVENUE, { ...february, groupBy: 'OWNER' })).revenue;
    expect(full).toEqual({ rows: [{ key: 'user-anna', deals: 2, revenue: { amount: 1450, unconverted: [] } }], total: { deals: 2, revenue: { amount: 1450, currency: 'EUR' } } });
    // By owner, one row is one person's deals (here two): its money follows Deal.amount, the total too.
    const revenue = await call(REVENUE, { ...february, groupBy: 'OWNER' }, reader);
    expect(revenue.data?.revenue).toEqual({ rows: [{ key: 'user-anna', deals: 2, revenue: null }], total: { deals: 2, revenue: null } });
    expect(errorPaths(revenue)).toEqual(['revenue.rows.0.revenue FORBIDDEN', 'revenue.total.revenue FORBIDDEN']);

    const lost = await call(LOST, february, reader);
    expect(lost.data?.lostReasonStats).toEqual({
      totalDeals: 3,
      rows: [
        { reason: 'Price', deals: 2, share: 2 / 3, money: null },
        { reason: 'Timing', deals: 1, share: 1 / 3, money: null },
      ],
    });
    expect(errorPaths(lost)).toEqual(['lostReasonStats.rows.0.money FORBIDDEN', 'lostReasonStats.rows.1.money FORBIDDEN']);

    // The win rate carries no money: the same answer as for anyone with the scope ALL.
    expect(dataOf(await call(WIN_RATE, { ...february, groupBy: 'OWNER' }, reader)).winRate).toEqual(dataOf(await call(WIN_RATE, { ...february, groupBy: 'OWNER' })).winRate);
  });

  it('shows another tenant nothing and refuses a bad period', async () => {
    expect(dataOf(await call(WIN_RATE, { ...february, groupBy: 'OWNER' }, testIdentity())).winRate).toEqual({ groupBy: 'OWNER', rows: [], total: { won: 0, lost: 0, winRate: null } });
    expect(errorCodes(await call(REVENUE, { from: february.to, to: february.from }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('forecast', () => {
  it('weights open deals by the probability of their stage, by expected close month', async () => {
    const forecast = dataOf(await call(FORECAST, { fromMonth: '2026-03', months: 3 })).forecast;
    expect(forecast).toEqual({
      fromMonth: '2026-03',
      months: [
        // 1000 in Lead (0.1) and 2000 in Proposal (0.5): 100 + 1000.
        { month: '2026-03', deals: 2, amount: { amount: 3000, unconverted: [] }, weighted: { amount: 1100, unconverted: [] } },
        // 500 USD = 450 EUR in Proposal: 225.
        { month: '2026-04', deals: 1, amount: { amount: 450, unconverted: [] }, weighted: { amount: 225, unconverted: [] } },
        // 100 GBP without a rate in Lead: apart, weighted 10.
        { month: '2026-05', deals: 1, amount: { amount: 0, unconverted: [{ currency: 'GBP', amount: 100 }] }, weighted: { amount: 0, unconverted: [{ currency: 'GBP', amount: 10 }] } },
      ],
      amount: { amount: 3450, currency: 'EUR', unconverted: [{ currency: 'GBP', amount: 100 }] },
      weighted: { amount: 1325, unconverted: [{ currency: 'GBP', amount: 10 }] },
    });
  });

  it('gives a role denied Deal.amount the forecast without amounts: null with FORBIDDEN on each amount, the deal counts intact', async () => {
    const reader = await amountDeniedReader(alice.tenantId);
    const full = dataOf(await call(FORECAST, { fromMonth: '2026-03', months: 3 })).forecast;
    expect(full.amount.amount).toBe(3450);
    const denied = await call(FORECAST, { fromMonth: '2026-03', months: 3 }, reader);
    expect(denied.data?.forecast).toEqual({
      fromMonth: '2026-03',
      months: full.months.map((month: any) => ({ month: month.month, deals: month.deals, amount: null, weighted: null })),
      amount: null,
      weighted: null,
    });
    expect(full.months.map((month: any) => month.deals)).toEqual([2, 1, 1]);
    expect(errorPaths(denied)).toEqual(
      ['forecast.amount', 'forecast.weighted', ...[0, 1, 2].flatMap((i) => [`forecast.months.${i}.amount`, `forecast.months.${i}.weighted`])].map((path) => `${path} FORBIDDEN`).sort(),
    );
  });

  it('refuses a malformed month or too many months', async () => {
    expect(errorCodes(await call(FORECAST, { fromMonth: '2026-13' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(FORECAST, { fromMonth: '2026-01', months: 37 }))).toEqual(['BAD_USER_INPUT']);
  });
});
