import { serviceUnderTest } from '@crm/testing';
import { startDeals } from '../src/service';

const service = serviceUnderTest('deals', startDeals);
const endpoint = (path: string) => service.url.replace(/\/graphql$/, path);

test('/health reports the broker ok once the topics exist, the relay publishes and every consumer has joined', async () => {
  expect((await fetch(endpoint('/ready'))).status).toBe(200);
  expect(await (await fetch(endpoint('/health'))).json()).toEqual({
    status: 'ok',
    service: 'deals',
    broker: 'ok',
    relay: 'ok',
    consumers: [
      { group: `deals.known-companies${service.env.KAFKA_GROUP_SUFFIX}`, joined: true },
      { group: `deals.purchases${service.env.KAFKA_GROUP_SUFFIX}`, joined: true },
      { group: `deals.merges${service.env.KAFKA_GROUP_SUFFIX}`, joined: true },
      { group: `deals.lead-conversions${service.env.KAFKA_GROUP_SUFFIX}`, joined: true },
      { group: `deals.policy${service.env.KAFKA_GROUP_SUFFIX}`, joined: true },
    ],
  });
});
