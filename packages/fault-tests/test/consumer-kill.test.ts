import { topics } from '@crm/events';
import { startStack, subgraphRequest, waitFor, type Stack } from '@crm/testing';
import { crmUser } from '../src/crm';
import { printFigures } from '../src/figures';
import { ReadModels, type StageTask } from '../src/read-models';
import { eventCounts, readWholeTopics } from '../src/topic-log';
import { Writes } from '../src/workload';

const DEALS = 40;
const MOVES_PER_DEAL = 5;

let stack: Stack;
let models: ReadModels;
beforeAll(async () => {
  // 40 deals written at once beside the other test workspaces on 2 cores: a write may wait past
  // the gateway's 10 s for a subgraph. The kill is what this test is about, not that timeout.
  stack = await startStack({ env: { SUBGRAPH_TIMEOUT_MS: '60000' } });
  // The run without the kill: the same services beside the stack's, on the same events, never killed.
  await stack.addService('activities-control', 'activities');
  await stack.addService('analytics-control', 'analytics');
  models = await ReadModels.open(stack);
}, 180_000);
afterAll(async () => {
  await models?.close();
  await stack?.stop();
}, 60_000);

/** A task as both runs must have made it: the same event gives the same task, whatever its own id. */
const taskKey = (task: StageTask) => `${task.sourceEventId} ${task.dealId} ${task.subject} ${new Date(task.dueAt).toISOString()} ${task.assigneeId}`;
const sorted = (tasks: StageTask[]) => tasks.map(taskKey).sort();

/** The consumer group whose read model each kill watches (the services run other groups beside it). */
const KILLED_GROUP = { activities: 'activities.deal-stage-tasks', analytics: 'analytics.funnel' } as const;

/**
 * Restarts a consumer that has a backlog and SIGKILLs it once a tenth of the backlog shows in its
 * read model: inside a fetched batch, whose processed-event records are written only at its end.
 */
async function killMidBatch(name: 'activities' | 'analytics', tenantId: string, effects: () => Promise<number>, backlog: number) {
  await stack.restart(name, { wait: false });
  const atKill = await waitFor(
    async () => {
      const count = await effects();
      return count >= Math.ceil(backlog / 10) && count;
    },
    { timeoutMs: 60_000, intervalMs: 10, what: `${name} to work on its backlog` },
  );
  await stack.kill(name, 'SIGKILL');
  return { effects: atKill, effectsAfterKill: await effects(), processed: await models.processedCount(tenantId, name, KILLED_GROUP[name]) };
}

/** Counters as a sorted list of the non-zero ones: the same funnel whatever order the moves wrote them in. */
const normalized = (counts: Record<string, number> | undefined) =>
  Object.entries(counts ?? {})
    .filter(([, count]) => count !== 0)
    .sort(([a], [b]) => a.localeCompare(b));

const urlOf = (name: string) => `http://127.0.0.1:${stack.processes.find((p) => p.name === name)!.port}/graphql`;

describe('a consumer killed in the middle of a batch', () => {
  it('ends with the same read models as a run without the kill', async () => {
    const user = crmUser(stack);
    const tenant = user.tenantId;
    const writes = new Writes(user, await user.createPipeline('Kill pipeline'));
    const companies = [await writes.knownCompany('Cirrus'), await writes.knownCompany('Delta')];

    // A backlog for the stack's consumers (stopped cleanly), while the controls follow live.
    await Promise.all([stack.kill('activities'), stack.kill('analytics')]);
    await Promise.all(
      Array.from({ length: DEALS }, async (_v, i) => {
        const id = await writes.createDeal(`Kill deal ${i}`, companies[i % companies.length]!);
        for (let move = 0; id && move < MOVES_PER_DEAL; move += 1) await writes.moveDeal(id);
      }),
    );
    expect(writes.failures).toEqual(new Map());

    const expectedTasks = writes.moves;
    const dealEvents = writes.deals.size + writes.moves; // DealCreated + DealStageChanged, what analytics handles
    // The whole backlog in Kafka before the stack's consumers come back (so they fetch it in full
    // batches), and the control run done with it.
    await waitFor(
      async () =>
        (await models.unpublished(tenant, 'deals', 'deals')) === 0 &&
        (await models.stageTasks(tenant, 'activities-control')).length === expectedTasks &&
        (await models.dealProgress(tenant, 'analytics-control')).filter((fact) => fact.counted === fact.maxPosition).length === writes.deals.size,
      { timeoutMs: 90_000, intervalMs: 250, what: 'the backlog published and the control run through it' },
    );
    const activitiesKill = await killMidBatch('activities', tenant, async () => (await models.stageTasks(tenant)).length, expectedTasks);
    const analyticsKill = await killMidBatch('analytics', tenant, async () => (await models.dealProgress(tenant)).length, writes.deals.size);

    // Both restarted for good: they take the batch again from the last committed offset.
    await Promise.all([stack.restart('activities'), stack.restart('analytics')]);
    const snapshot = async () => ({
      tasks: sorted(await models.stageTasks(tenant)),
      controlTasks: sorted(await models.stageTasks(tenant, 'activities-control')),
      facts: await models.dealProgress(tenant),
      controlFacts: await models.dealProgress(tenant, 'analytics-control'),
      counts: normalized(await models.funnelCounts(tenant, writes.pipeline.id)),
      controlCounts: normalized(await models.funnelCounts(tenant, writes.pipeline.id, 'analytics-control')),
      funnel: await user.funnel(writes.pipeline.id),
      controlFunnel: (
        await subgraphRequest(urlOf('analytics-control'), user.identity, `query ($id: ID!) { funnel(pipelineId: $id) { totalDeals stages { reached } } }`, { id: writes.pipeline.id })
      ).data?.funnel,
    });
    const same = (seen: Awaited<ReturnType<typeof snapshot>>) =>
      seen.tasks.length === expectedTasks &&
      seen.controlTasks.length === expectedTasks &&
      JSON.stringify(seen.funnel) === JSON.stringify(writes.funnel()) &&
      JSON.stringify(seen.facts) === JSON.stringify(seen.controlFacts) &&
      JSON.stringify(seen.counts) === JSON.stringify(seen.controlCounts);
    await waitFor(async () => same(await snapshot()), { timeoutMs: 90_000, intervalMs: 500, what: 'the killed consumers to catch up with the control run' }).catch(
      (error: Error) => console.error(error.message),
    );
    const final = await snapshot();
    const victimTaskIds = new Set((await models.stageTasks(tenant)).map((task) => String(task._id)));
    const activityEvents = eventCounts(
      (await readWholeTopics([topics.activity])).filter(({ event }) => victimTaskIds.has(String(event.data.activityId))),
      tenant,
    );
    const controlFunnel = final.controlFunnel && { totalDeals: final.controlFunnel.totalDeals, reached: final.controlFunnel.stages.map((stage: { reached: number }) => stage.reached) };

    printFigures('Fault: consumers SIGKILLed in the middle of a batch, then restarted', [
      ['deals created / moves (backlog events for analytics)', `${writes.deals.size} / ${writes.moves} (${dealEvents})`],
      ['activities at the kill: tasks made / processed records', `${activitiesKill.effects} (${activitiesKill.effectsAfterKill} after) / ${activitiesKill.processed} of ${expectedTasks}`],
      ['analytics at the kill: deal facts / processed records', `${analyticsKill.effects} (${analyticsKill.effectsAfterKill} after) / ${analyticsKill.processed} of ${dealEvents}`],
      ['stage tasks killed run / control / expected', `${final.tasks.length} / ${final.controlTasks.length} / ${expectedTasks}`],
      ['ActivityCreated of the killed run (distinct / repeated)', `${activityEvents.count('ActivityCreated')} / ${activityEvents.repeats('ActivityCreated')}`],
      ['funnel killed run', `${final.funnel?.totalDeals} deals, reached ${final.funnel?.reached.join(',')}`],
      ['funnel control run', `${controlFunnel?.totalDeals} deals, reached ${controlFunnel?.reached.join(',')}`],
      ['funnel expected from the writes', `${writes.funnel().totalDeals} deals, reached ${writes.funnel().reached.join(',')}`],
      ['deal facts equal to the control run', JSON.stringify(final.facts) === JSON.stringify(final.controlFacts)],
    ]);

    // Both killed before the end of their backlog. Analytics in the middle of a batch: more deal
    // facts than processed-event records means events applied whose batch was neither recorded
    // nor committed. Activities gets its backlog a message or two per batch (its processed
    // records follow its tasks one to one, measured), so it dies between or inside tiny batches:
    // it shows the crash between a handler's write (task + ActivityCreated) and the record.
    expect(activitiesKill.effectsAfterKill).toBeLessThan(expectedTasks);
    expect(analyticsKill.effectsAfterKill).toBeLessThan(writes.deals.size);
    expect(analyticsKill.processed).toBeLessThan(analyticsKill.effectsAfterKill);
    // The same read models as without the kill, and as the writes imply.
    expect(final.tasks).toEqual(final.controlTasks);
    expect(final.tasks).toHaveLength(expectedTasks);
    expect(final.facts).toEqual(final.controlFacts);
    expect(final.facts).toHaveLength(writes.deals.size);
    expect(final.counts).toEqual(final.controlCounts);
    expect(final.funnel).toEqual(controlFunnel);
    expect(final.funnel).toEqual(writes.funnel());
    // One event per task. A SIGKILL between the relay's publish and its mark of the sent events
    // publishes those again on restart (at-least-once, by design): the same ids at later
    // offsets, printed above as "repeated". The read models above show they were applied once.
    expect(activityEvents.count('ActivityCreated')).toBe(expectedTasks);
  }, 600_000); // 82 s on a quiet 2-core machine, 214 s in a loaded CI run: a guard against a hang only
});
