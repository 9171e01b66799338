// Bounded lists, input sizes and several writes in one request, in the deals subgraph
// (docs/architecture.md, "Limits").
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { DealModel } from '../src/modules/deal/deal.model';
import { PipelineModel } from '../src/modules/pipeline/pipeline.model';
import { startDeals } from '../src/service';
import { closeFixtures, createPipeline, CREATE_PIPELINE, publishCompany } from './fixtures';

const service = serviceUnderTest('deals', startDeals);
type Caller = ReturnType<typeof testIdentity>;
const call = (identity: Caller, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);
const CREATE = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`;
const MOVE = `mutation ($id: ID!, $stageId: ID!) { moveDealToStage(id: $id, stageId: $stageId) { id } }`;

afterAll(closeFixtures);

const limitOf = (find: jest.SpyInstance, key: string) =>
  find.mock.calls.flatMap(([filter], i) => (filter && key in filter ? [(find.mock.results[i]!.value as { getOptions(): { limit?: number } }).getOptions().limit] : []));

describe("a company's deals", () => {
  const tenant = testIdentity(undefined, ['head_of_sales']);
  const DEALS_OF = `query ($representations: [_Any!]!, $first: Int) { _entities(representations: $representations) { ... on Company { deals(first: $first) { title } } } }`;
  let companies: string[];

  beforeAll(async () => {
    const pipeline = await createPipeline(service.url, tenant);
    companies = [await publishCompany(tenant, 'Many'), await publishCompany(tenant, 'One')];
    for (let i = 0; i < 22; i += 1) {
      const input = { title: `Deal ${String(i).padStart(2, '0')}`, companyId: companies[0], pipelineId: pipeline.id, amount: 1, currency: 'EUR' };
      dataOf(await call(tenant, CREATE, { input }));
    }
    dataOf(await call(tenant, CREATE, { input: { title: 'Only', companyId: companies[1], pipelineId: pipeline.id, amount: 1, currency: 'EUR' } }));
  });

  const titles = async (first?: number) => {
    const answer = dataOf(await call(tenant, DEALS_OF, { representations: companies.map((id) => ({ __typename: 'Company', id })), first }));
    return answer._entities.map((company: { deals: { title: string }[] }) => company.deals.map((deal) => deal.title));
  };

  it('are the newest 20 by default, each company read with its own limit', async () => {
    const find = jest.spyOn(DealModel, 'find');
    const [many, one] = await titles();
    const limits = limitOf(find, 'companyId');
    find.mockRestore();
    expect(many).toEqual(Array.from({ length: 20 }, (_, i) => `Deal ${String(21 - i).padStart(2, '0')}`));
    expect(one).toEqual(['Only']);
    expect(limits).toEqual([20, 20]);
  });

  it('are as many as first asks, up to 200', async () => {
    expect((await titles(22)).map((list: string[]) => list.length)).toEqual([22, 1]);
    expect((await titles(5)).map((list: string[]) => list.length)).toEqual([5, 1]);
    expect(errorCodes(await call(tenant, DEALS_OF, { representations: [{ __typename: 'Company', id: companies[0] }], first: 201 }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('pipelines and a stage history', () => {
  it('lists the first 50 pipelines by default, as many as first asks up to 100, read with that limit', async () => {
    const tenant = testIdentity(undefined, ['admin']);
    for (const name of ['C', 'A', 'B']) await call(tenant, CREATE_PIPELINE, { input: { name, stages: [{ name: 'S', probability: 0.5 }] } });
    const find = jest.spyOn(PipelineModel, 'find');
    const names = async (first?: number) => dataOf(await call(tenant, `query ($first: Int) { pipelines(first: $first) { name } }`, { first })).pipelines.map((p: { name: string }) => p.name);
    expect(await names()).toEqual(['A', 'B', 'C']);
    expect(await names(2)).toEqual(['A', 'B']);
    expect(limitOf(find, 'tenantId')).toEqual([50, 2]);
    find.mockRestore();
    expect(errorCodes(await call(tenant, `{ pipelines(first: 101) { name } }`))).toEqual(['BAD_USER_INPUT']);
  });

  it('answers the oldest moves of a deal, as many as first asks up to 200', async () => {
    const tenant = testIdentity(undefined, ['admin']);
    const [companyId, pipeline] = await Promise.all([publishCompany(tenant), createPipeline(service.url, tenant)]);
    const { createDeal: deal } = dataOf(await call(tenant, CREATE, { input: { title: 'T', companyId, pipelineId: pipeline.id, amount: 1, currency: 'EUR' } }));
    for (const stage of [1, 2, 3]) dataOf(await call(tenant, MOVE, { id: deal.id, stageId: pipeline.stages[stage]!.id }));
    const history = async (first?: number) =>
      dataOf(await call(tenant, `query ($id: ID!, $first: Int) { deal(id: $id) { stageHistory(first: $first) { to { name } } } }`, { id: deal.id, first })).deal.stageHistory;
    expect(await history()).toHaveLength(4);
    expect(await history(2)).toEqual([{ to: { name: 'Lead' } }, { to: { name: 'Meeting' } }]);
    expect(errorCodes(await call(tenant, `query ($id: ID!) { deal(id: $id) { stageHistory(first: 201) { movedAt } } }`, { id: deal.id }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('one request with two moves of the same deal', () => {
  it('runs the second on what the first stored: every answer is what is stored', async () => {
    const tenant = testIdentity(undefined, ['admin']);
    const [companyId, pipeline] = await Promise.all([publishCompany(tenant), createPipeline(service.url, tenant)]);
    const { createDeal: deal } = dataOf(await call(tenant, CREATE, { input: { title: 'T', companyId, pipelineId: pipeline.id, amount: 1, currency: 'EUR' } }));
    const [lead, meeting] = pipeline.stages;
    const answer = dataOf(
      await call(
        tenant,
        `mutation ($id: ID!, $s1: ID!, $s2: ID!) {
          a: moveDealToStage(id: $id, stageId: $s2) { stage { name } }
          b: moveDealToStage(id: $id, stageId: $s1) { stage { name } stageHistory { to { name } } }
        }`,
        { id: deal.id, s1: lead!.id, s2: meeting!.id },
      ),
    );
    expect(answer).toEqual({
      a: { stage: { name: 'Meeting' } },
      b: { stage: { name: 'Lead' }, stageHistory: [{ to: { name: 'Lead' } }, { to: { name: 'Meeting' } }, { to: { name: 'Lead' } }] },
    });
    const stored = await DealModel.findById(deal.id).lean();
    expect(stored?.stageId.toString()).toBe(lead!.id);
    expect(stored?.stageHistory).toHaveLength(3);
  });
});

describe('input sizes', () => {
  const long = (n: number) => 'x'.repeat(n);

  it.each([
    { what: 'a title of 201 characters', change: { title: long(201) }, field: 'title' },
    { what: 'a company id of 10,000 characters', change: { companyId: long(10_000) }, field: 'companyId' },
    { what: 'a currency of 1,000 characters', change: { currency: long(1_000) }, field: 'currency' },
    { what: 'an owner id of 65 characters', change: { ownerId: long(65) }, field: 'ownerId' },
  ])('refuses a deal with $what: BAD_USER_INPUT naming $field, nothing stored', async ({ change, field }) => {
    const tenant = testIdentity(undefined, ['admin']);
    const [companyId, pipeline] = await Promise.all([publishCompany(tenant), createPipeline(service.url, tenant)]);
    const answer = await call(tenant, CREATE, { input: { title: 'T', companyId, pipelineId: pipeline.id, amount: 1, currency: 'EUR', ...change } });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors?.[0]?.extensions?.field).toBe(field);
    expect(await DealModel.countDocuments({ tenantId: tenant.tenantId })).toBe(0);
  });

  it.each([
    { what: 'a name of 101 characters', input: { name: long(101), stages: [{ name: 'S', probability: 0.5 }] }, field: 'name' },
    { what: 'a stage name of 101 characters', input: { name: 'P', stages: [{ name: long(101), probability: 0.5 }] }, field: 'stages.0.name' },
    { what: '31 stages', input: { name: 'P', stages: Array.from({ length: 31 }, (_, i) => ({ name: `S${i}`, probability: 0.5 })) }, field: 'stages' },
  ])('refuses a pipeline with $what: BAD_USER_INPUT naming $field, nothing stored', async ({ input, field }) => {
    const tenant = testIdentity(undefined, ['admin']);
    const answer = await call(tenant, CREATE_PIPELINE, { input });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors?.[0]?.extensions?.field).toBe(field);
    expect(await PipelineModel.countDocuments({ tenantId: tenant.tenantId })).toBe(0);
  });
});
