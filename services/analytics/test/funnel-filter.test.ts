import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { CounterModel, counterId } from '../src/modules/deal-facts/counter.model';
import { startAnalytics } from '../src/service';
import { connectProducer } from './events';
import { dealStory, pipelineWith, waitAnalytics } from './facts-events';
import { amountDeniedReader, errorPaths } from './money-rights';

const FUNNEL = `query ($id: ID!, $filter: FunnelFilter) {
  funnel(pipelineId: $id, filter: $filter) {
    totalDeals overallConversion
    totalMoney { amount currency unconverted { currency amount } }
    stages { name reached conversionToNext money { amount unconverted { currency amount } } }
    bottleneck { name }
  }
}`;
const SET_RATES = `mutation ($rates: [ExchangeRateInput!]!) { setExchangeRates(rates: $rates) { currency rates { currency rate } } }`;

const service = serviceUnderTest('analytics', startAnalytics);
const alice = testIdentity();
const call = (query: string, variables?: object, identity = alice) => subgraphRequest(service.url, identity, query, variables);
let pipelineId: string;

beforeAll(async () => {
  const producer = await connectProducer();
  const pipeline = pipelineWith(alice.tenantId, [{ name: 'Lead' }, { name: 'Qualified' }, { name: 'Proposal' }, { name: 'Won', kind: 'WON' }, { name: 'Lost', kind: 'LOST' }]);
  pipelineId = pipeline.pipelineId;
  const story = (spec: Parameters<typeof dealStory>[3]) => dealStory(alice.tenantId, pipelineId, pipeline.stages, spec);
  const deals = [
    // Anna, web: skips to Won.
    story({ ownerId: 'user-anna', source: 'WEB_FORM', amount: 1000, createdAt: '2026-01-05T09:00:00.000Z' }).move(3, '2026-01-20T09:00:00.000Z'),
    // Anna, web, in USD: to Proposal and back to Qualified (counted at Proposal).
    story({ ownerId: 'user-anna', source: 'WEB_FORM', amount: 500, currency: 'USD', createdAt: '2026-01-06T09:00:00.000Z' })
      .move(1, '2026-01-07T09:00:00.000Z')
      .move(2, '2026-01-08T09:00:00.000Z')
      .move(1, '2026-01-09T09:00:00.000Z'),
    // Bob, fair: lost from Qualified, reopened in Proposal (counted once, at Proposal).
    story({ ownerId: 'user-bob', source: 'FAIR', amount: 2000, createdAt: '2026-01-10T09:00:00.000Z' })
      .move(1, '2026-01-11T09:00:00.000Z')
      .move(4, '2026-01-12T09:00:00.000Z')
      .reopen(2, '2026-01-13T09:00:00.000Z'),
    // Bob, web, in March, in GBP (no rate): still in Lead.
    story({ ownerId: 'user-bob', source: 'WEB_FORM', amount: 300, currency: 'GBP', createdAt: '2026-03-02T09:00:00.000Z' }),
  ];
  const events = [pipeline.event, ...deals.flatMap((deal) => deal.events)];
  await producer.send(...events);
  await producer.close();
  await waitAnalytics(events, service.env);
  dataOf(await call(SET_RATES, { rates: [{ currency: 'USD', rate: 0.9 }] }));
});

const funnel = async (filter?: object) => dataOf(await call(FUNNEL, { id: pipelineId, filter })).funnel;
const reached = (result: any) => result.stages.map((stage: any) => [stage.name, stage.reached, stage.money.amount]);

describe('funnel with a filter', () => {
  it('without a filter counts every deal, with its money in the base currency and GBP apart', async () => {
    const all = await funnel();
    expect(reached(all)).toEqual([
      ['Lead', 4, 3450],
      ['Qualified', 3, 3450],
      ['Proposal', 3, 3450],
      ['Won', 1, 1000],
    ]);
    expect(all.totalMoney).toEqual({ amount: 3450, currency: 'EUR', unconverted: [{ currency: 'GBP', amount: 300 }] });
    expect(all.stages[1].money.unconverted).toEqual([]);
    expect(all).toMatchObject({ totalDeals: 4, overallConversion: 0.25, bottleneck: { name: 'Proposal' } });
  });

  it('filters by one dimension', async () => {
    // Anna: deal 1 reached Won (1000), deal 2 Proposal (500 USD = 450).
    expect(reached(await funnel({ ownerId: 'user-anna' }))).toEqual([
      ['Lead', 2, 1450],
      ['Qualified', 2, 1450],
      ['Proposal', 2, 1450],
      ['Won', 1, 1000],
    ]);
    expect(reached(await funnel({ source: 'FAIR' }))).toEqual([
      ['Lead', 1, 2000],
      ['Qualified', 1, 2000],
      ['Proposal', 1, 2000],
      ['Won', 0, 0],
    ]);
  });

  it('filters by several dimensions and by the creation month', async () => {
    const bobWeb = await funnel({ ownerId: 'user-bob', source: 'WEB_FORM' });
    expect(reached(bobWeb)).toEqual([
      ['Lead', 1, 0],
      ['Qualified', 0, 0],
      ['Proposal', 0, 0],
      ['Won', 0, 0],
    ]);
    expect(bobWeb.totalMoney.unconverted).toEqual([{ currency: 'GBP', amount: 300 }]);
    expect(reached(await funnel({ from: '2026-01-15T00:00:00.000Z', to: '2026-02-28T00:00:00.000Z' })).map((row: any) => row[1])).toEqual([3, 3, 3, 1]);
    expect(reached(await funnel({ from: '2026-02-01T00:00:00.000Z', to: '2026-03-31T00:00:00.000Z', source: 'WEB_FORM' })).map((row: any) => row[1])).toEqual([1, 0, 0, 0]);
    expect((await funnel({ from: '2025-01-01T00:00:00.000Z', to: '2025-12-31T00:00:00.000Z' })).totalDeals).toBe(0);
  });

  it("reads one owner's combinations when several dimensions are filtered, however alike the owners' ids", async () => {
    // The owner leads each combination, so a filter with an owner reads a range of them (funnel.filter.ts).
    const owners = ['user-eve', 'user-eve2', 'user-ev', 'user-eve"', 'user-eve,x'];
    const producer = await connectProducer();
    const pipeline = pipelineWith(alice.tenantId, [{ name: 'Lead' }, { name: 'Won', kind: 'WON' }]);
    const deals = owners.map((ownerId, i) => dealStory(alice.tenantId, pipeline.pipelineId, pipeline.stages, { ownerId, source: 'FAIR', amount: 100 * (i + 1), createdAt: '2026-04-02T09:00:00.000Z' }));
    const events = [pipeline.event, ...deals.flatMap((deal) => deal.events)];
    await producer.send(...events);
    await producer.close();
    await waitAnalytics(events, service.env);
    for (const [i, ownerId] of owners.entries()) {
      const result = dataOf(await call(FUNNEL, { id: pipeline.pipelineId, filter: { ownerId, source: 'FAIR' } })).funnel;
      expect([ownerId, reached(result)]).toEqual([ownerId, [['Lead', 1, 100 * (i + 1)], ['Won', 0, 0]]]);
    }
    expect((await call(FUNNEL, { id: pipeline.pipelineId, filter: { ownerId: 'user-eve', source: 'WEB_FORM' } })).data.funnel.totalDeals).toBe(0);
  });

  it('refuses a reversed or too long period', async () => {
    expect(errorCodes(await call(FUNNEL, { id: pipelineId, filter: { from: '2026-03-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(FUNNEL, { id: pipelineId, filter: { from: '2000-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('leaves at most one move token per deal on a counter: the tokens of confirmed moves go with later moves', async () => {
    // The all-time counter of the pipeline was moved by 11 events of 4 deals (a token each).
    const allTime = await CounterModel.findOne({ _id: counterId(alice.tenantId, { kind: 'funnel', pipelineId, dim: '*', value: '*', month: '*' }), tenantId: alice.tenantId }).lean();
    expect(allTime?.c).toBeDefined();
    expect(Object.keys(allTime?.applied ?? {}).length).toBeLessThanOrEqual(4);
    for (const counter of await CounterModel.find({ tenantId: alice.tenantId }).lean()) {
      // One deal's tokens on one counter: at most its last confirmed move's.
      const deals = Object.keys(counter.applied ?? {}).map((token) => token.split('#')[0]);
      expect(new Set(deals).size).toBe(deals.length);
    }
  });

  it('refuses a base currency or a rate in a currency ISO 4217 does not know, naming the field', async () => {
    const bob = testIdentity();
    const refusal = async (query: string, variables?: object) => (await call(query, variables, bob)).errors?.map((error) => [error.extensions?.code, error.extensions?.field]);
    expect(await refusal(`mutation { setTenantCurrency(currency: "xyz") { currency } }`)).toEqual([['BAD_USER_INPUT', 'currency']]);
    expect(await refusal(SET_RATES, { rates: [{ currency: 'USD', rate: 0.9 }, { currency: 'QQQ', rate: 2 }] })).toEqual([['BAD_USER_INPUT', 'rates.1.currency']]);
    // Nothing of them was stored; a known code is taken in any case.
    expect(dataOf(await call(`{ moneySettings { currency rates { currency } } }`, {}, bob)).moneySettings).toEqual({ currency: 'EUR', rates: [] });
    expect(dataOf(await call(`mutation { setTenantCurrency(currency: "chf") { currency } }`, {}, bob)).setTenantCurrency).toEqual({ currency: 'CHF' });
  });

  it('gives a role denied Deal.amount the funnel without its money: null with FORBIDDEN on each money path, the counts intact', async () => {
    const reader = await amountDeniedReader(alice.tenantId);
    const withoutMoney = (result: any) => ({ ...result, totalMoney: null, stages: result.stages.map((stage: any) => ({ ...stage, money: null })) });
    const moneyPaths = (root: string) => [`${root}.totalMoney FORBIDDEN`, ...[0, 1, 2, 3].map((i) => `${root}.stages.${i}.money FORBIDDEN`)].sort();
    for (const filter of [undefined, { ownerId: 'user-anna' }]) {
      // A reader with the right: the figures as before, money included.
      const full = await funnel(filter);
      expect(full.totalMoney.amount).toBeGreaterThan(0);
      const denied = await call(FUNNEL, { id: pipelineId, filter }, reader);
      expect(denied.data?.funnel).toEqual(withoutMoney(full));
      expect(errorPaths(denied)).toEqual(moneyPaths('funnel'));
    }
    // Pipeline.funnel (the deal 360 view through the gateway) answers the same.
    const entity = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Pipeline { funnel { totalDeals totalMoney { amount } stages { reached money { amount } } bottleneck { name money { amount } } } } } }`;
    const denied = await call(entity, { representations: [{ __typename: 'Pipeline', id: pipelineId }] }, reader);
    expect(denied.data?._entities).toEqual([
      { funnel: { totalDeals: 4, totalMoney: null, stages: [4, 3, 3, 1].map((reached) => ({ reached, money: null })), bottleneck: { name: 'Proposal', money: null } } },
    ]);
    expect(errorPaths(denied)).toEqual([...moneyPaths('_entities.0.funnel'), '_entities.0.funnel.bottleneck.money FORBIDDEN'].sort());
  });

  it('shows another tenant nothing', async () => {
    expect(errorCodes(await call(FUNNEL, { id: pipelineId, filter: { source: 'FAIR' } }, testIdentity()))).toEqual(['NOT_FOUND']);
  });
});
