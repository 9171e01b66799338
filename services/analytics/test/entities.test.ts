import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { startAnalytics } from '../src/service';
import { connectProducer, dealJourney, newId, pipelineCreated, stagesOf, waitProcessed } from './events';

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Pipeline { id funnel { pipelineId pipelineName totalDeals stages { reached } bottleneck { name } } }
  }
}`;
const FUNNEL = `query ($id: ID!) { funnel(pipelineId: $id) { pipelineId totalDeals } }`;

const service = serviceUnderTest('analytics', startAnalytics);
const alice = testIdentity();
const pipelineId = newId();
const call = (query: string, variables?: object, identity = alice) => subgraphRequest(service.url, identity, query, variables);

beforeAll(async () => {
  const producer = await connectProducer();
  const stages = stagesOf('Lead', 'Offer', 'Won');
  const events = [
    pipelineCreated(alice.tenantId, pipelineId, 'Entities', stages),
    ...dealJourney(alice.tenantId, pipelineId, stages, [1]),
    ...dealJourney(alice.tenantId, pipelineId, stages, []),
  ];
  await producer.send(...events);
  await producer.close();
  await waitProcessed(events, service.env);
});

describe('funnel queries and Pipeline entities', () => {
  it('resolves Pipeline references to their funnel, repeated keys included', async () => {
    const representations = [{ __typename: 'Pipeline', id: pipelineId }, { __typename: 'Pipeline', id: pipelineId }];
    const { _entities } = dataOf(await call(ENTITIES, { representations }));
    const expected = { id: pipelineId, funnel: { pipelineId, pipelineName: 'Entities', totalDeals: 2, stages: [{ reached: 2 }, { reached: 1 }, { reached: 0 }], bottleneck: { name: 'Offer' } } };
    expect(_entities).toEqual([expected, expected]);
  });

  it('answers NOT_FOUND for an unknown pipeline and for one of another tenant', async () => {
    const unknown = await call(ENTITIES, { representations: [{ __typename: 'Pipeline', id: newId() }] });
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    expect(unknown.data?._entities).toEqual([null]);
    expect(errorCodes(await call(FUNNEL, { id: newId() }))).toEqual(['NOT_FOUND']);
    const other = testIdentity();
    expect(errorCodes(await call(FUNNEL, { id: pipelineId }, other))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(ENTITIES, { representations: [{ __typename: 'Pipeline', id: pipelineId }] }, other))).toEqual(['NOT_FOUND']);
  });

  it('answers BAD_USER_INPUT for a malformed id', async () => {
    expect(errorCodes(await call(FUNNEL, { id: 'not-an-id' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(ENTITIES, { representations: [{ __typename: 'Pipeline', id: 'not-an-id' }] }))).toEqual(['BAD_USER_INPUT']);
  });

  it('answers the query by key for the own tenant', async () => {
    expect(dataOf(await call(FUNNEL, { id: pipelineId })).funnel).toEqual({ pipelineId, totalDeals: 2 });
  });

  it('refuses requests that do not come through the gateway', async () => {
    const response = await fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ funnel(pipelineId: "${pipelineId}") { totalDeals } }` }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
