// The slice through the real gateway, services, local store and broker (`node dist/main.js`
// per process, as npm start runs them): throughput of the everyday requests, event lag from
// a move's answer to the funnel showing it (at 100 and 10,000 deals in the pipeline), the
// relay's drain after a burst, each process's memory, and the CPU one request of each case costs
// in every process (its events' work included). Prints figures, asserts nothing.
//
// BENCH_REQUESTS (200) requests per throughput case, BENCH_CONCURRENCY (8) at a time;
// BENCH_LAG_DEALS (10000) deals in the large pipeline, BENCH_LAG_SAMPLES (100) sampled moves;
// BENCH_BURST (1000) createDeal in the relay burst; BENCH_NODE_ARGS extra node flags for
// every process (e.g. "--max-semi-space-size=1").
import { readTopics, testKafka } from '@crm/messaging/testing';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dataOf, gatewayClient, startStack, subgraphRequest, testIdentity, waitFor, type Stack } from '@crm/testing';
import { benchNodeArgs } from '../node-args';
import { atLeast, atMost, percentiles, type Cell, type Goal, type Section } from '../report';
import { consumersCaughtUp } from './consumers-caught-up';
import { cpuSince, localInfraProcesses } from './cpu';
import { rssMiB, watchMemory } from './memory';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LAG_DEALS = Number(process.env.BENCH_LAG_DEALS ?? 10_000);
const LAG_SAMPLES = Number(process.env.BENCH_LAG_SAMPLES ?? 100);
const BURST = Number(process.env.BENCH_BURST ?? 1000);
const IDLE_CPU_MS = 5000;
/** Concurrency of the seeding and the burst: what many users creating deals at once look like. */
const SEED_CONCURRENCY = 16;

/** Issue 6's figures for the same cases on this machine before the work (req/s). */
const BASELINE: Record<string, number> = {
  createCompany: 57,
  'companies page': 20,
  createDeal: 54,
  moveDealToStage: 9,
  'deal 360 view': 16,
  'Company.deals': 26,
};

const began = performance.now();
const progress = (message: string) => console.log(`[slice] ${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s  ${message}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Load {
  count: number;
  seconds: number;
  perSecond: number;
  latencies: number[];
}

/** `count` calls, `concurrency` at a time; every call must succeed. */
async function load(count: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<Load> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t0 = performance.now();
        await call(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { count, seconds, perSecond: count / seconds, latencies };
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export async function run(): Promise<Section[]> {
  const nodeArgs = benchNodeArgs();
  progress('starting the four subgraphs and the gateway');
  const stack = await startStack({ nodeArgs });
  try {
    return await slice(stack, nodeArgs);
  } catch (error) {
    console.error(stack.output.join('').slice(-4000));
    throw error;
  } finally {
    await stack.stop();
  }
}

async function slice(stack: Stack, nodeArgs: string[]): Promise<Section[]> {
  const identity = testIdentity(undefined, ['head_of_sales']);
  const call = gatewayClient(stack.gatewayUrl, identity);
  const ok = async (query: string, variables?: object) => dataOf(await call(query, variables));
  const memory = watchMemory(stack.processes);

  const createPipeline = async (name: string) =>
    (
      await ok(
        `mutation ($n: String!) { createPipeline(input: { name: $n, stages: [
          { name: "A", probability: 0.1 }, { name: "B", probability: 0.4 }, { name: "C", probability: 0.8 }] }) { id stages { id } } }`,
        { n: name },
      )
    ).createPipeline as { id: string; stages: { id: string }[] };
  const createCompany = `mutation ($n: String!) { createCompany(input: { name: $n }) { id } }`;
  const createDeal = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`;
  const moveDeal = `mutation ($id: ID!, $s: ID!) { moveDealToStage(id: $id, stageId: $s) { id } }`;
  const FUNNEL = `query ($p: ID!) { funnel(pipelineId: $p) { totalDeals stages { reached } } }`;
  const DEAL_360 = `query ($id: ID!) { deal(id: $id) { title company { name } stage { name } activities { subject } pipeline { funnel { bottleneck { name } } } } }`;
  const funnel = async (pipelineId: string) => (await ok(FUNNEL, { p: pipelineId })).funnel as { totalDeals: number; stages: { reached: number }[] };

  progress('warm-up');
  // ---- warm-up, then idle memory: a few of each request, then quiet.
  const pipeline = await createPipeline('Bench');
  const clients: string[] = [];
  for (let i = 0; i < 25; i += 1) clients.push((await ok(createCompany, { n: `Client ${i}` })).createCompany.id);
  const companies = [...clients];
  // Deals learns companies from events: each of the 25 is confirmed known before anything is timed.
  const dealInput = (pipelineId: string, i: number, title = `Deal ${i}`) => ({
    title,
    companyId: clients[i % clients.length],
    pipelineId,
    amount: 1000 + i,
    currency: 'EUR',
  });
  const deals: string[] = [];
  for (const [i] of clients.entries()) {
    deals.push(await waitFor(async () => (await call(createDeal, { input: dealInput(pipeline.id, i, 'probe') })).data?.createDeal.id, { what: 'deals to know the company' }));
  }
  await ok(moveDeal, { id: deals[0], s: pipeline.stages[1]!.id });
  await waitFor(async () => ((await ok(DEAL_360, { id: deals[0] })).deal.activities.length > 0 ? true : undefined), { timeoutMs: 60_000 });
  await ok(`{ companies(first: 20) { totalCount edges { node { id name } } } }`);
  await waitFor(async () => ((await funnel(pipeline.id)).stages[1]!.reached === 1 ? true : undefined), { timeoutMs: 60_000 });
  await sleep(3000);
  const idle = Object.fromEntries(stack.processes.map((p) => [p.name, rssMiB(p.pid)]));
  const metered = [...stack.processes, ...localInfraProcesses()];
  const idleCpu = cpuSince(metered);
  await sleep(IDLE_CPU_MS);
  const idleCpuPerSecond = idleCpu.elapsed();

  progress('throughput cases');
  // ---- (a) throughput of the slice's cases.
  memory.mark('load');
  const cases: { name: string; what: string; result: Load; quietAfter: number; cpu: Record<string, number> }[] = [];
  const kafka = testKafka();
  const caughtUp = (what: string) =>
    waitFor(() => consumersCaughtUp(kafka, stack.groupSuffix), { timeoutMs: 300_000, intervalMs: 250, what: `every consumer to work off ${what}` });
  // Each case starts once every consumer has worked off what the cases before it caused, and
  // ends when its own cascade is worked off: a read case measures reads, not reads beside a
  // backlog, and its CPU is the whole work its requests caused.
  const measure = async (name: string, what: string, count: number, run: (i: number) => Promise<unknown>) => {
    await caughtUp(`what came before ${name}`);
    progress(`${name}: ${count} requests`);
    const cpu = cpuSince(metered);
    const result = await load(count, CONCURRENCY, run);
    const answered = performance.now();
    await caughtUp(`what ${name} caused`);
    const quietAfter = (performance.now() - answered) / 1000;
    cases.push({ name, what, result, quietAfter, cpu: cpu.elapsed() });
  };
  await measure('createCompany', 'contacts', REQUESTS, async (i) => companies.push((await ok(createCompany, { n: `Company ${i}` })).createCompany.id));
  await measure('companies page', 'companies(first: 20) with totalCount', REQUESTS, () => ok(`{ companies(first: 20) { totalCount edges { node { id name } } } }`));
  const created: string[] = [];
  await measure('createDeal', 'deals', REQUESTS, async (i) => created.push((await ok(createDeal, { input: dealInput(pipeline.id, i) })).createDeal.id));
  await measure('moveDealToStage', 'deals, with every consumer running', created.length, (i) => ok(moveDeal, { id: created[i], s: pipeline.stages[1]!.id }));
  await waitFor(async () => ((await ok(DEAL_360, { id: created[0] })).deal.activities.length > 0 ? true : undefined), { timeoutMs: 60_000 });
  const all = [...deals, ...created];
  await measure('deal 360 view', 'deal + company + activities + funnel: 4 subgraphs', REQUESTS, (i) => ok(DEAL_360, { id: all[i % all.length] }));
  const perCompany = Math.round(all.length / clients.length);
  await measure('Company.deals', `a company with ~${perCompany} deals`, REQUESTS, () =>
    ok(`query ($id: ID!) { company(id: $id) { name deals { title stage { name } } } }`, { id: clients[0] }),
  );

  const throughput: Section = {
    title: 'slice: throughput through the gateway (real services, store and broker)',
    columns: ['case', 'what', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'baseline req/s', 'ratio', 'quiet after s'],
    rows: cases.map(({ name, what, result, quietAfter }) => {
      const { p50, p95, p99 } = percentiles(result.latencies);
      return {
        case: name,
        what,
        requests: result.count,
        'req/s': round(result.perSecond),
        'p50 ms': round(p50),
        'p95 ms': round(p95),
        'p99 ms': round(p99),
        'baseline req/s': BASELINE[name] ?? null,
        ratio: BASELINE[name] ? round(result.perSecond / BASELINE[name]!, 2) : null,
        'quiet after s': round(quietAfter, 1),
      };
    }),
    goals: cases.map(({ name, result }) => atLeast(`${name}: req/s vs issue 6's baseline`, round(result.perSecond / BASELINE[name]!, 2), 5)),
    notes: [
      `${CONCURRENCY} requests in flight per case; baselines are issue 6's figures on the same kind of machine.`,
      "Each case starts once every consumer group has committed the end of its partitions, and its req/s counts its requests only; 'quiet after': how long its own cascade (the events its writes caused) still ran after its last answer.",
    ],
  };

  const processNames = metered.map((p) => p.name);
  const cpuSection: Section = {
    title: 'slice: CPU ms per request, by process (from the first request until every consumer worked off what the case caused)',
    columns: ['case', ...processNames, 'all', 'max req/s on this machine'],
    rows: [
      {
        case: 'idle (ms per second)',
        ...Object.fromEntries(processNames.map((process) => [process, round(((idleCpuPerSecond[process] ?? NaN) * 1000) / IDLE_CPU_MS, 2)])),
        all: round((processNames.reduce((sum, process) => sum + (idleCpuPerSecond[process] ?? 0), 0) * 1000) / IDLE_CPU_MS, 2),
        'max req/s on this machine': null,
      },
      ...cases.map(({ name, result, cpu }) => {
        const perRequest = Object.fromEntries(processNames.map((process) => [process, round((cpu[process] ?? NaN) / result.count, 2)]));
        const all = processNames.reduce((sum, process) => sum + (cpu[process] ?? 0), 0) / result.count;
        return { case: name, ...perRequest, all: round(all, 2), 'max req/s on this machine': round((availableParallelism() * 1000) / all) };
      }),
    ],
    notes: [
      'User plus system CPU of each process (/proc/<pid>/stat), divided by the case\'s requests: the cost of one request with everything its events cause in the other services, the store and the broker (the broker\'s includes the bench\'s own offset polls).',
      `Idle: CPU per second of wall time over ${IDLE_CPU_MS / 1000} s of quiet after the warm-up (consumers' empty fetches, timers, the broker's own work): a case's figures include this for its duration.`,
      `'max req/s on this machine': ${availableParallelism()} cores divided by that cost, the ceiling were every core busy with this case only.`,
    ],
  };

  // ---- (b) event lag: from moveDealToStage's answer to the funnel (through the gateway) showing the move.
  const lagAt = async (size: number): Promise<{ size: number; lags: number[]; seedSeconds: number; seedPerSecond: number; catchUp: number; allCaughtUp: number }> => {
    progress(`event lag at ${size} deals: seeding`);
    const lagPipeline = await createPipeline(`Lag ${size}`);
    const ids: string[] = [];
    // Seeded through the deals service itself (its real createDeal, events through its outbox),
    // with the identity the gateway would sign: the gateway's own cost is measured above.
    const seed = await load(size, SEED_CONCURRENCY, async (i) =>
      ids.push(dataOf(await subgraphRequest(stack.subgraphUrls.deals!, identity, createDeal, { input: dealInput(lagPipeline.id, i) })).createDeal.id),
    );
    const seeded = performance.now();
    await waitFor(async () => ((await funnel(lagPipeline.id)).totalDeals === size ? true : undefined), {
      timeoutMs: 300_000,
      intervalMs: 50,
      what: `the funnel to count ${size} deals`,
    });
    const catchUp = (performance.now() - seeded) / 1000;
    // Sampled once every consumer of every service has worked off the seeding (the deal facts
    // take longer than the funnel): the lag of one move at that size, not the seeding's backlog.
    await waitFor(() => consumersCaughtUp(kafka, stack.groupSuffix), { timeoutMs: 600_000, intervalMs: 500, what: 'every consumer to work off the seeding' });
    const allCaughtUp = (performance.now() - seeded) / 1000;
    progress(`event lag at ${size} deals: sampling`);
    const before = (await funnel(lagPipeline.id)).stages[1]!.reached;
    const lags: number[] = [];
    for (let k = 0; k < Math.min(LAG_SAMPLES, ids.length); k += 1) {
      // One move at a time, each of a deal still in the first stage: the funnel's B count rises by one.
      await ok(moveDeal, { id: ids[k], s: lagPipeline.stages[1]!.id });
      const answered = performance.now();
      for (;;) {
        if ((await funnel(lagPipeline.id)).stages[1]!.reached >= before + k + 1) break;
        if (performance.now() - answered > 30_000) throw new Error(`the funnel did not show move ${k} within 30 s`);
      }
      lags.push(performance.now() - answered);
    }
    return { size, lags, seedSeconds: seed.seconds, seedPerSecond: seed.perSecond, catchUp, allCaughtUp };
  };
  const small = await lagAt(100);
  memory.mark('sustained');
  const large = await lagAt(LAG_DEALS);
  memory.mark('after sustained');
  const lagRow = (lag: typeof small) => {
    const { p50, p95, p99 } = percentiles(lag.lags);
    return { 'deals in pipeline': lag.size, samples: lag.lags.length, 'p50 ms': round(p50), 'p95 ms': round(p95), 'p99 ms': round(p99), 'max ms': round(Math.max(...lag.lags)) };
  };
  const largeP99 = percentiles(large.lags).p99;
  const lagSection: Section = {
    title: "slice: event lag, moveDealToStage's answer -> the funnel showing the move (polled through the gateway)",
    columns: ['deals in pipeline', 'samples', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
    rows: [lagRow(small), lagRow(large)],
    goals: [
      atMost(`event lag p99 at ${LAG_DEALS} deals`, round(largeP99), 100, ' ms'),
      atMost(`event lag p99 growth from 100 to ${LAG_DEALS} deals`, round(largeP99 / Math.max(1, percentiles(small.lags).p99), 2), 2, '×'),
    ],
    notes: [
      `The ${LAG_DEALS} deals were created with the deals service's createDeal (called directly with a signed identity, ${SEED_CONCURRENCY} at a time; events through its outbox as always): ${round(large.seedSeconds)} s (${round(large.seedPerSecond)} req/s); the funnel counted all of them ${round(large.catchUp, 2)} s after the last answer, and every consumer of every service had worked off the seeding ${round(large.allCaughtUp, 1)} s after it; the samples were taken then.`,
      'Each sample moves one deal at a time and polls the funnel back to back (one gateway request per poll, no sleep).',
    ],
  };

  // ---- (c) relay drain: a burst of createDeal, then the time until the last DealCreated is on the topic.
  progress('relay burst');
  const reader = await readTopics(['crm.deals.deal']);
  let drainSeconds = NaN;
  let burst: Load;
  try {
    const burstIds = new Set<string>();
    burst = await load(BURST, SEED_CONCURRENCY, async (i) => burstIds.add((await ok(createDeal, { input: dealInput(pipeline.id, i, `Burst ${i}`) })).createDeal.id));
    const lastAnswer = performance.now();
    const seen = new Set<string>();
    let read = 0;
    for (;;) {
      for (; read < reader.messages.length; read += 1) {
        const event = reader.messages[read]!.event;
        if (event?.type === 'DealCreated' && burstIds.has(event.aggregateId)) seen.add(event.aggregateId);
      }
      if (seen.size === burstIds.size) break;
      if (performance.now() - lastAnswer > 120_000) throw new Error(`only ${seen.size} of ${burstIds.size} DealCreated seen within 120 s`);
      await sleep(5);
    }
    drainSeconds = Math.max(0, (performance.now() - lastAnswer) / 1000);
  } finally {
    await reader.close();
  }
  const relay: Section = {
    title: `slice: outbox relay drain after a burst of ${BURST} createDeal`,
    columns: ['burst', 'burst req/s', 'last answer -> last DealCreated on the topic (s)'],
    rows: [{ burst: `${BURST} createDeal, ${SEED_CONCURRENCY} at a time`, 'burst req/s': round(burst.perSecond), 'last answer -> last DealCreated on the topic (s)': round(drainSeconds, 3) }],
    goals: [atMost(`every DealCreated of the burst published after the last write`, round(drainSeconds, 3), 2, ' s')],
    notes: ['Seen by a consumer of crm.deals.deal started before the burst (it includes that consumer\'s fetch delay).'],
  };

  // ---- (d) memory: idle after warm-up, under load, growth under sustained load, and idle again after.
  await sleep(5000);
  const after = Object.fromEntries(stack.processes.map((p) => [p.name, rssMiB(p.pid)]));
  memory.stop();
  const goals: Goal[] = [];
  const rows: Record<string, Cell>[] = stack.processes.map(({ name }) => {
    const sustained = memory.between(name, 'sustained', 'after sustained');
    const quarter = Math.max(1, Math.floor(sustained.length / 4));
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
    const first = mean(sustained.slice(0, quarter));
    const last = mean(sustained.slice(-quarter));
    const growth = first > 0 ? ((last - first) / first) * 100 : 0;
    goals.push(atMost(`${name}: idle RSS after warm-up`, round(idle[name] ?? NaN), 150, ' MiB'));
    goals.push(atMost(`${name}: RSS growth under sustained load (last vs first quarter)`, round(growth), 10, '%'));
    return {
      process: name,
      'idle MiB': round(idle[name] ?? NaN),
      'peak under load MiB': round(memory.peak(name)),
      'sustained: first quarter MiB': round(first),
      'sustained: last quarter MiB': round(last),
      'growth %': round(growth),
      'idle after MiB': round(after[name] ?? NaN),
    };
  });
  const memorySection: Section = {
    title: 'slice: memory (RSS from /proc/<pid>/status) of each process',
    columns: ['process', 'idle MiB', 'peak under load MiB', 'sustained: first quarter MiB', 'sustained: last quarter MiB', 'growth %', 'idle after MiB'],
    rows,
    goals,
    notes: [
      `Idle: after start and a warm-up of every request kind, 3 s quiet. Sustained: the ${LAG_DEALS}-deal seeding (createDeal on the deals service, ${SEED_CONCURRENCY} at a time, and the events it causes) and its event lag samples, sampled every 250 ms. Idle after: 5 s after the burst.`,
      `Node flags: npm start's${nodeArgs.length ? ` plus ${nodeArgs.join(' ')}` : ''}.`,
    ],
  };

  return [throughput, cpuSection, lagSection, relay, memorySection];
}
