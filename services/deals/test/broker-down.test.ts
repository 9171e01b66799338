import { dataOf, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { PipelineModel } from '../src/modules/pipeline/pipeline.model';
import { startDeals } from '../src/service';
import { CREATE_PIPELINE } from './fixtures';

// A broker that cannot be reached (nothing listens on port 1): an outage from the start.
const service = serviceUnderTest('deals', (env) => startDeals({ ...env, KAFKA_BROKERS: '127.0.0.1:1', LOG_LEVEL: 'fatal' }), { waitForConsumers: false });
const endpoint = (path: string) => service.url.replace(/\/graphql$/, path);

describe('with the broker down', () => {
  it('stays ready (readiness is the store only) and reports the broker as degraded on /health', async () => {
    const ready = await fetch(endpoint('/ready'));
    expect(ready.status).toBe(200);
    const health = await (await fetch(endpoint('/health'))).json();
    expect(health).toEqual({
      status: 'ok',
      service: 'deals',
      broker: 'degraded',
      relay: 'degraded',
      consumers: [
        { group: `deals.known-companies${service.env.KAFKA_GROUP_SUFFIX}`, joined: false },
        { group: `deals.purchases${service.env.KAFKA_GROUP_SUFFIX}`, joined: false },
        { group: `deals.merges${service.env.KAFKA_GROUP_SUFFIX}`, joined: false },
        { group: `deals.lead-conversions${service.env.KAFKA_GROUP_SUFFIX}`, joined: false },
        { group: `deals.policy${service.env.KAFKA_GROUP_SUFFIX}`, joined: false },
      ],
    });
  });

  it('keeps taking mutations: their events wait in the outbox', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const input = { name: 'Offline', stages: [{ name: 'Lead', probability: 0.1 }] };
    const { createPipeline } = dataOf(await subgraphRequest(service.url, head, CREATE_PIPELINE, { input }));
    const stored = await PipelineModel.findOne({ _id: createPipeline.id, tenantId: head.tenantId }).lean();
    expect(stored).toMatchObject({ outboxPending: true });
    expect(stored?.outbox.map((event) => [event.type, event.aggregateId])).toEqual([['PipelineCreated', createPipeline.id]]);
  });
});
