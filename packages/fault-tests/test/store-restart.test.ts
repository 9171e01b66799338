import { dataOf, stackServices, startStack, waitFor, type Stack } from '@crm/testing';
import { crmUser } from '../src/crm';
import { printFigures, seconds } from '../src/figures';
import { startAgain, stopPart } from '../src/private-infra';
import { countBy, ReadModels } from '../src/read-models';
import { mutationStream, Writes } from '../src/workload';

// Longer than the gateway's subgraph timeout (10 s): a mutation the store cannot serve still
// answers SERVICE_UNAVAILABLE, since a service waits for its store only STORE_WAIT_MS (4 s).
const STORE_DOWN_MS = 12_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let stack: Stack;
let models: ReadModels;
/** Stopped in afterAll too, so a failed test leaves no mutations running. */
let stream: ReturnType<typeof mutationStream> | undefined;
beforeAll(async () => {
  stack = await startStack();
  models = await ReadModels.open(stack);
}, 120_000);
afterAll(async () => {
  await stream?.stop();
  await models?.close();
  await stack?.stop();
}, 60_000);

const readyUrl = (service: string) => stack.subgraphUrls[service]!.replace('/graphql', '/ready');

describe('a store restart under load', () => {
  it('is survived by every service without a restart of its own', async () => {
    const user = crmUser(stack);
    const writes = new Writes(user, await user.createPipeline('Store pipeline'));
    const companies = [await writes.knownCompany('Gale'), await writes.knownCompany('Halo')];
    const pids = Object.fromEntries(stack.processes.map((p) => [p.name, p.pid]));

    writes.phase = 'before';
    stream = mutationStream(writes, companies, { pauseMs: 300 });
    let downAt = 0;
    let backAt = 0;
    const readyAfter: Record<string, number> = {};
    try {
      await waitFor(() => writes.succeeded >= 10, { timeoutMs: 30_000, what: 'the first mutations of the stream' });
      writes.phase = 'down';
      await stopPart('ferretdb');
      downAt = Date.now();
      await sleep(STORE_DOWN_MS);
    } finally {
      await startAgain('ferretdb');
      backAt = Date.now();
      writes.phase = 'after';
    }
    // Each service answers ready again by itself (the store is all its readiness needs).
    await Promise.all(
      stackServices.map((service) =>
        // Each probe has its own timeout: one request left hanging must not outlast the wait.
        waitFor(async () => {
          // Not ready says why when the wait gives up: the last answer, or the request's error.
          const answer = await fetch(readyUrl(service), { signal: AbortSignal.timeout(2_000) });
          if (!answer.ok) throw new Error(`the last answer was ${answer.status} ${await answer.text()}`);
          return true;
        }, {
          timeoutMs: 60_000,
          intervalMs: 250,
          what: `${service} to be ready again`,
        }).then(
          () => (readyAfter[service] = Date.now() - backAt),
        ),
      ),
    );
    // The stream goes on until every kind of mutation succeeded again after the restart.
    const succeededAfter = () => writes.byPhase.get('after')?.succeeded ?? 0;
    await waitFor(() => succeededAfter() >= 15, { timeoutMs: 60_000, what: 'mutations to succeed again' }).catch((error: Error) =>
      console.error(error.message),
    );
    await stream.stop();

    // Events flow again: a deal created and moved twice after the restart gets its tasks and funnel place.
    const probe = dataOf(await user.createDeal('Probe after the restart', companies[0]!, writes.pipeline.id)).createDeal.id;
    for (const stage of [1, 2]) dataOf(await user.moveDeal(probe, writes.pipeline.stageIds[stage]!));
    const probeTasks = await waitFor(
      async () => {
        const count = countBy(await models.stageTasks(user.tenantId), (task) => task.dealId).get(probe) ?? 0;
        return count >= 2 && count;
      },
      { timeoutMs: 60_000, what: 'the stage tasks of the probe deal' },
    ).catch(() => 0);
    // Every company whose creation succeeded reaches deals (none lost across the restart).
    const known = await waitFor(
      async () => {
        const found = new Set(await models.knownCompanies(user.tenantId));
        return writes.companies.every((id) => found.has(id)) && found;
      },
      { timeoutMs: 60_000, what: 'deals to know every company created' },
    ).catch(async () => new Set(await models.knownCompanies(user.tenantId)));
    const probeFunnel = await waitFor(async () => (await models.dealProgress(user.tenantId)).find((fact) => fact._id === probe && fact.maxPosition === 2 && fact.counted === 2), {
      timeoutMs: 60_000,
      what: 'the funnel to count the probe deal at its furthest stage',
    }).catch(() => undefined);

    const restarted = stack.processes.filter((p) => p.pid !== pids[p.name] || !stack.isRunning(p.name)).map((p) => p.name);
    printFigures('Fault: the store restarted under a stream of mutations', [
      ['mutations sent / succeeded / failed', `${writes.sent} / ${writes.succeeded} / ${writes.sent - writes.succeeded}`],
      ...(['before', 'down', 'after'] as const).map(
        (phase) => [`  sent ${phase === 'down' ? 'while the store was down' : `${phase} the restart`} (sent / succeeded)`, `${writes.byPhase.get(phase)?.sent ?? 0} / ${writes.byPhase.get(phase)?.succeeded ?? 0}`] as [string, string],
      ),
      ['failures (mutation: code)', [...writes.failures].map(([reason, count]) => `${reason} ×${count}`).join('; ') || 'none'],
      ['store down (stopped until it answered again)', seconds(backAt - downAt)],
      ...stackServices.map((service) => [`${service} ready again after the store was back`, seconds(readyAfter[service]!)] as [string, string]),
      ['processes restarted', restarted.join(', ') || 'none'],
      ['probe deal stage tasks (expected 2)', probeTasks],
      ['companies created / known to deals', `${writes.companies.length} / ${writes.companies.filter((id) => known.has(id)).length}`],
      ['probe deal counted by the funnel at stage 2', probeFunnel ? 'yes' : 'no'],
    ]);

    expect(restarted).toEqual([]);
    expect(succeededAfter()).toBeGreaterThanOrEqual(15);
    expect(probeTasks).toBe(2);
    expect(writes.companies.filter((id) => !known.has(id))).toEqual([]);
    expect(probeFunnel).toBeDefined();
    // A failure while the store was down is a GraphQL error, never a dropped connection.
    expect([...writes.failures.keys()].filter((reason) => reason.includes('no answer'))).toEqual([]);
    // A mutation the store could not serve says so, with a code a client can retry on.
    expect([...writes.failures.keys()].filter((reason) => !reason.endsWith('SERVICE_UNAVAILABLE'))).toEqual([]);
  }, 420_000);
});
