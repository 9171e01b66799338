import { dataOf, startStack, waitFor, type Stack } from '@crm/testing';
import { crmUser } from '../src/crm';
import { printFigures, seconds } from '../src/figures';
import { Writes } from '../src/workload';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
}, 60_000);

/** One page a frontend shows, from three subgraphs: the company (contacts), the deal (deals), an activity (activities). */
const PAGE = `query ($company: ID!, $deal: ID!, $activity: ID!) {
  company(id: $company) { name }
  deal(id: $deal) { title stage { name } }
  activity(id: $activity) { subject }
}`;

describe('a subgraph killed', () => {
  it('leaves the gateway up, answering the other subgraphs’ fields with an error for the missing part, until its restart heals it', async () => {
    const user = crmUser(stack);
    const writes = new Writes(user, await user.createPipeline('Subgraph pipeline'));
    const company = await writes.knownCompany('Equinox');
    const deal = [...writes.deals.keys()][0]!;
    const { createActivity } = dataOf(
      await user.call<{ createActivity: { id: string } }>(`mutation ($deal: ID) { createActivity(input: { kind: CALL, subject: "Kick-off call", dealId: $deal }) { id } }`, {
        deal,
      }),
    );
    const variables = { company, deal, activity: createActivity.id };
    expect(dataOf(await user.call(PAGE, variables))).toEqual({
      company: { name: 'Equinox' },
      deal: { title: 'Equinox first deal', stage: { name: 'Lead' } },
      activity: { subject: 'Kick-off call' },
    });

    await stack.kill('activities', 'SIGKILL');
    const partial = await user.call(PAGE, variables);
    const health = await fetch(stack.gatewayUrl.replace('/graphql', '/health'));
    // The others' writes go on through the gateway too.
    const write = await writes.createCompany('Fjord');

    const killedAt = Date.now();
    await stack.restart('activities');
    const restartedMs = Date.now() - killedAt;
    const healed = await waitFor(
      async () => {
        const response = await user.call(PAGE, variables);
        return !response.errors && response;
      },
      { timeoutMs: 30_000, what: 'the gateway to answer the whole page again' },
    );
    const error = partial.errors?.[0];

    printFigures('Fault: the activities subgraph SIGKILLed, then restarted', [
      ['gateway /health while activities is down', health.status],
      ['page data while down', JSON.stringify(partial.data)],
      ['page errors while down (extensions)', (partial.errors ?? []).map((e) => JSON.stringify(e.extensions)).join('; ')],
      ['first error message', error?.message ?? '-'],
      ['a contacts mutation while down', write ? 'succeeded' : 'failed'],
      ['restart until ready', seconds(restartedMs)],
      ['page after the restart', JSON.stringify(healed.data)],
    ]);

    expect(health.status).toBe(200);
    expect(stack.isRunning('gateway')).toBe(true);
    expect(partial.data).toEqual({ company: { name: 'Equinox' }, deal: { title: 'Equinox first deal', stage: { name: 'Lead' } }, activity: null });
    // One error, naming the missing part: the subgraph the gateway could not reach.
    expect(partial.errors).toHaveLength(1);
    expect(error?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', serviceName: 'activities' });
    expect(JSON.stringify(partial.errors)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|at .+\.js:\d+/); // no internals for the client
    expect(write).toEqual(expect.any(String));
    expect(healed.data).toEqual({ company: { name: 'Equinox' }, deal: { title: 'Equinox first deal', stage: { name: 'Lead' } }, activity: { subject: 'Kick-off call' } });
  }, 120_000);
});
