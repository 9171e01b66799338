import { readTopics } from '@crm/messaging/testing';
import { parseEvent, topics } from '@crm/events';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { PipelineModel } from '../src/modules/pipeline/pipeline.model';
import { startDeals } from '../src/service';
import { closeFixtures, CREATE_PIPELINE } from './fixtures';

const service = serviceUnderTest('deals', startDeals);
const head = testIdentity(undefined, ['head_of_sales']);
const call = (query: string, variables?: object, identity = head) => subgraphRequest(service.url, identity, query, variables);

afterAll(closeFixtures);

describe('pipelines', () => {
  it('creates a pipeline with ordered stages and publishes PipelineCreated', async () => {
    const reader = await readTopics([topics.pipeline]);
    try {
      const input = { name: ' Distribution ', stages: [{ name: 'Planned order', probability: 0.1 }, { name: 'Order agreed', probability: 0.5 }, { name: 'Shipped', probability: 1 }] };
      const { createPipeline } = dataOf(await call(CREATE_PIPELINE, { input }));
      expect(createPipeline.name).toBe('Distribution');
      expect(createPipeline.stages.map((s: any) => [s.name, s.position, s.probability])).toEqual([
        ['Planned order', 0, 0.1],
        ['Order agreed', 1, 0.5],
        ['Shipped', 2, 1],
      ]);
      const { pipelines } = dataOf(await call(`{ pipelines { id name } }`));
      expect(pipelines).toEqual([{ id: createPipeline.id, name: 'Distribution' }]);

      const message = await reader.waitFor((m) => m.key === createPipeline.id);
      expect(parseEvent(JSON.parse(message.value!))).toMatchObject({
        type: 'PipelineCreated',
        tenantId: head.tenantId,
        data: { pipelineId: createPipeline.id, stages: [{ id: createPipeline.stages[0].id, position: 0 }, {}, {}] },
      });
    } finally {
      await reader.close();
    }
  });

  it('lets only admins and heads of sales define pipelines', async () => {
    const manager = testIdentity(undefined, ['manager']);
    const response = await call(CREATE_PIPELINE, { input: { name: 'Mine', stages: [{ name: 'A', probability: 0.5 }] } }, manager);
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
    expect(await PipelineModel.countDocuments({ tenantId: manager.tenantId })).toBe(0);
  });

  it.each([
    [{ name: '', stages: [{ name: 'A', probability: 0.5 }] }, 'name'],
    [{ name: 'P', stages: [] }, 'stages'],
    [{ name: 'P', stages: [{ name: 'A', probability: 1.5 }] }, 'stages.0.probability'],
    [{ name: 'P', stages: [{ name: 'A', probability: 0.1 }, { name: 'a', probability: 0.2 }] }, 'stages'],
  ])('rejects %j as BAD_USER_INPUT on %s', async (input, field) => {
    const tenant = testIdentity(undefined, ['admin']);
    const response = await call(CREATE_PIPELINE, { input }, tenant);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe(field);
    expect(await PipelineModel.countDocuments({ tenantId: tenant.tenantId })).toBe(0);
  });

  it('refuses a second pipeline of the same name with CONFLICT', async () => {
    const tenant = testIdentity(undefined, ['admin']);
    const input = { name: 'Twice', stages: [{ name: 'A', probability: 0.5 }] };
    dataOf(await call(CREATE_PIPELINE, { input }, tenant));
    expect(errorCodes(await call(CREATE_PIPELINE, { input }, tenant))).toEqual(['CONFLICT']);
    // The same name in another tenant is fine.
    dataOf(await call(CREATE_PIPELINE, { input }, testIdentity(undefined, ['admin'])));
  });
});
