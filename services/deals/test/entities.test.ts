import { dataOf, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { startDeals } from '../src/service';
import { closeFixtures, createPipeline, publishCompany } from './fixtures';

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Deal { id title stage { name } company { id } team { id } }
    ... on Pipeline { id stages { name } }
    ... on Company { id deals { id } }
  }
}`;

const service = serviceUnderTest('deals', startDeals);
const owner = testIdentity(undefined, ['admin']);

afterAll(closeFixtures);

describe('federation entities', () => {
  it("resolves Deal, Pipeline and Company (with its deals) for the caller's tenant only", async () => {
    const [companyId, pipeline] = await Promise.all([publishCompany(owner), createPipeline(service.url, owner, ['Only'])]);
    const { createDeal } = dataOf(
      await subgraphRequest(service.url, owner, `mutation ($i: CreateDealInput!) { createDeal(input: $i) { id } }`, {
        i: { title: 'Big one', companyId, pipelineId: pipeline.id, amount: 5, currency: 'GBP', teamId: '6660a1b28b3e4a0012a4c001' },
      }),
    );
    const representations = [
      { __typename: 'Deal', id: createDeal.id },
      { __typename: 'Pipeline', id: pipeline.id },
      { __typename: 'Company', id: companyId },
    ];
    expect(dataOf(await subgraphRequest(service.url, owner, ENTITIES, { representations }))._entities).toEqual([
      { id: createDeal.id, title: 'Big one', stage: { name: 'Only' }, company: { id: companyId }, team: { id: '6660a1b28b3e4a0012a4c001' } },
      { id: pipeline.id, stages: [{ name: 'Only' }] },
      { id: companyId, deals: [{ id: createDeal.id }] },
    ]);
    const stranger = testIdentity(undefined, ['admin']);
    expect(dataOf(await subgraphRequest(service.url, stranger, ENTITIES, { representations }))._entities).toEqual([
      null,
      null,
      { id: companyId, deals: [] },
    ]);
  });
});
