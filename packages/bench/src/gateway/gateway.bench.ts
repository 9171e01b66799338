// Gateway figures: ours, stock @apollo/gateway and Hive Gateway (and Hive Router when
// HIVE_ROUTER_BIN is set) in front of the same static subgraphs, on the same query, in one run.
// Two workloads: identical concurrent queries, and the same query with distinct variables.
// Env: BENCH_GATEWAY_CONNECTIONS (50), BENCH_GATEWAY_SECONDS (10, split over BENCH_GATEWAY_ROUNDS, 2),
// BENCH_GATEWAY_WARMUP_SECONDS (3, before a target's first round),
// BENCH_GATEWAY_TARGETS (comma-separated: ours,stock,hive,router), BENCH_GATEWAY_WORKLOADS (identical,distinct),
// BENCH_CPU_PROF (a directory: V8 CPU profiles of the Node targets), BENCH_OURS_NODE_FLAGS (ours' node flags,
// default those of npm start and the images).
import { atLeast, atMost, percentiles, type Cell, type Goal, type Section } from '../report';
import { runLoad } from './load';
import { distinctVariables, fixedVariables, OPERATION_NAME, QUERY, type Variables } from './query';
import type { SubgraphCounts, SubgraphName } from './static-subgraphs';
import { cpuSeconds, hiveGateway, hiveRouter, ours, oursNodeFlags, rssMiB, startSubgraphsProcess, stockApollo, writeSupergraph, type RunningTarget, type TargetSpec } from './targets';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const body = (variables: Variables) => JSON.stringify({ query: QUERY, variables, operationName: OPERATION_NAME });

type Counts = Record<SubgraphName, SubgraphCounts>;
const total = (counts: Counts) =>
  Object.values(counts).reduce((sum, c) => ({ representations: sum.representations + c.representations, duplicates: sum.duplicates + c.duplicates, requests: sum.requests + c.requests }), {
    representations: 0,
    duplicates: 0,
    requests: 0,
  });

async function post(target: RunningTarget, text: string) {
  const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', ...target.headers }, body: text });
  return { status: response.status, json: (await response.json()) as { data?: unknown; errors?: unknown[] } };
}

interface Measured {
  reqPerSec: number;
  p50: number;
  p99: number;
  rss: number;
  cpu: number;
  subgraphsCpu: number;
  repsPerRequest: number;
  duplicates: number;
  failures: number;
}

/** One target's figures added up over the rounds. */
interface Segments {
  requests: number;
  failures: number;
  latencies: number[];
  elapsedMs: number;
  cpuSeconds: number;
  subgraphsCpuSeconds: number;
  rss: number;
  representations: number;
  duplicates: number;
}

export async function run(): Promise<Section[]> {
  const connections = env('BENCH_GATEWAY_CONNECTIONS', 50);
  const durationMs = env('BENCH_GATEWAY_SECONDS', 10) * 1000;
  const warmupMs = env('BENCH_GATEWAY_WARMUP_SECONDS', 3) * 1000;
  const rounds = Math.max(1, env('BENCH_GATEWAY_ROUNDS', 2));
  const wanted = process.env.BENCH_GATEWAY_TARGETS?.split(',').map((name) => name.trim());
  const specs: [string, TargetSpec][] = [
    ['ours', ours],
    ['stock', stockApollo],
    ['hive', hiveGateway],
    ...(process.env.HIVE_ROUTER_BIN ? ([['router', hiveRouter(process.env.HIVE_ROUTER_BIN)]] as [string, TargetSpec][]) : []),
  ];
  const chosen = specs.filter(([key]) => !wanted || wanted.includes(key));
  const notes: string[] = [
    `query: ${QUERY.length} bytes, all four subgraphs; ${connections} connections, ${warmupMs / 1000} s warm-up + ${durationMs / 1000} s per target and workload, in ${rounds} alternating round(s)`,
    `ours runs as npm start and the images run it: node ${oursNodeFlags.join(' ')} dist/main.js (NODE_ENV=production); the others with node's defaults`,
    'CPU %: the gateway process during the measurement (100 = one core); CPU ms/req: its CPU time per answered request, the figure least moved by other load on the machine',
    'reps/req alone and dup reps alone: entity representations the subgraphs received for one request sent on its own, and how many repeated one in the same subgraph request',
  ];
  if (!process.env.HIVE_ROUTER_BIN) notes.push('Hive Router not measured: set HIVE_ROUTER_BIN to its binary to include it');

  const subgraphs = await startSubgraphsProcess();
  const supergraphPath = writeSupergraph(subgraphs.urls);
  const targets: { key: string; target: RunningTarget }[] = [];
  try {
    for (const [key, spec] of chosen) {
      console.log(`[bench] gateway: starting ${spec.name}`);
      targets.push({ key, target: await spec.start(subgraphs.urls, supergraphPath) });
    }

    // Same answer everywhere first: the data of every target must equal the stock gateway's (or the first target's).
    const alone = new Map<string, { representations: number; duplicates: number }>();
    const verify = [body(fixedVariables), body(distinctVariables('verify'))];
    const reference: string[] = [];
    const referenceName = targets.find(({ key }) => key === 'stock')?.target.name ?? targets[0]!.target.name;
    const referenceFirst = [...targets.filter(({ target }) => target.name === referenceName), ...targets.filter(({ target }) => target.name !== referenceName)];
    for (const { key, target } of referenceFirst) {
      for (const [i, text] of verify.entries()) {
        await subgraphs.reset();
        const { status, json } = await post(target, text);
        if (i === 0) alone.set(key, total(await subgraphs.counts()));
        const data = JSON.stringify(json.data);
        if (status !== 200 || json.errors) notes.push(`NOTE: ${target.name} answered ${status} with errors: ${JSON.stringify(json.errors).slice(0, 300)}`);
        if (reference[i] === undefined) reference[i] = data;
        else if (data !== reference[i]) notes.push(`NOTE: ${target.name} returned different JSON data than ${referenceName} (${i === 0 ? 'fixed' : 'distinct'} variables)`);
      }
    }
    if (!notes.some((note) => note.startsWith('NOTE'))) notes.push(`every target returned byte-identical JSON data to ${referenceName} (fixed and distinct variables)`);

    // Each workload gives the body of request i; `run` keeps distinct variables distinct across targets and runs.
    // The goals of issue 6: ours / Hive Gateway in both, ours / stock where de-duplication cannot help.
    const workloads: { name: string; bodies: (run: string) => (i: number) => string; overHive: number; overStock?: number }[] = [
      { name: 'identical queries', bodies: () => () => verify[0]!, overHive: 2 },
      { name: 'distinct variables', bodies: (run) => (i) => body(distinctVariables(`${run}-${i}`)), overHive: 1.5, overStock: 2 },
    ];
    const sections: Section[] = [];
    for (const workload of workloads) {
      if (process.env.BENCH_GATEWAY_WORKLOADS && !process.env.BENCH_GATEWAY_WORKLOADS.includes(workload.name.split(' ')[0]!)) continue;
      // Rounds alternate the targets, so that a change in the machine's other load hits them alike.
      const measured = new Map<string, Segments>();
      for (let round = 0; round < rounds; round++) {
        for (const { key, target } of targets) {
          console.log(`[bench] gateway: ${workload.name} on ${target.name}${rounds > 1 ? ` (round ${round + 1}/${rounds})` : ''}`);
          if (round === 0) await runLoad({ url: target.url, connections, durationMs: warmupMs, headers: target.headers, body: workload.bodies(`${key}-warm-${Date.now()}`) });
          await subgraphs.reset();
          const segments = measured.get(key) ?? { requests: 0, failures: 0, latencies: [], elapsedMs: 0, cpuSeconds: 0, subgraphsCpuSeconds: 0, rss: 0, representations: 0, duplicates: 0 };
          measured.set(key, segments);
          segments.rss = Math.max(segments.rss, rssMiB(target.pid));
          const sampler = setInterval(() => (segments.rss = Math.max(segments.rss, rssMiB(target.pid))), 250);
          const cpuBefore = [cpuSeconds(target.pid), cpuSeconds(subgraphs.pid)];
          const load = await runLoad({ url: target.url, connections, durationMs: durationMs / rounds, headers: target.headers, body: workload.bodies(`${key}-${round}-${Date.now()}`) });
          clearInterval(sampler);
          segments.cpuSeconds += cpuSeconds(target.pid) - cpuBefore[0]!;
          segments.subgraphsCpuSeconds += cpuSeconds(subgraphs.pid) - cpuBefore[1]!;
          const counts = total(await subgraphs.counts());
          segments.representations += counts.representations;
          segments.duplicates += counts.duplicates;
          segments.requests += load.requests;
          segments.failures += load.failures;
          segments.elapsedMs += load.elapsedMs;
          for (const latency of load.latencies) segments.latencies.push(latency);
          if (load.firstFailure) notes.push(`NOTE: ${target.name}, ${workload.name}: ${load.failures} failed requests, first: ${load.firstFailure}`);
        }
      }
      const results = new Map<string, Measured>();
      for (const [key, m] of measured) {
        const { p50, p99 } = percentiles(m.latencies);
        results.set(key, {
          reqPerSec: (m.requests / m.elapsedMs) * 1000,
          p50,
          p99,
          rss: m.rss,
          cpu: (100 * m.cpuSeconds * 1000) / m.elapsedMs,
          subgraphsCpu: (100 * m.subgraphsCpuSeconds * 1000) / m.elapsedMs,
          repsPerRequest: m.requests ? m.representations / m.requests : NaN,
          duplicates: m.duplicates,
          failures: m.failures,
        });
      }
      const rows: Record<string, Cell>[] = targets.map(({ key, target }) => {
        const m = results.get(key)!;
        const one = alone.get(key)!;
        return {
          target: target.name,
          'req/s': m.reqPerSec,
          'p50 ms': m.p50,
          'p99 ms': m.p99,
          'RSS MiB': m.rss,
          'CPU %': m.cpu,
          'CPU ms/req': m.reqPerSec ? (m.cpu * 10) / m.reqPerSec : null,
          'subgraphs CPU %': m.subgraphsCpu,
          'reps/req alone': one.representations,
          'dup reps alone': one.duplicates,
          'reps/req under load': m.repsPerRequest,
          'dup reps under load': m.duplicates,
          failures: m.failures,
        };
      });
      const rate = (key: string) => results.get(key)?.reqPerSec;
      const ratio = (a: string, b: string) => (rate(a) && rate(b) ? rate(a)! / rate(b)! : NaN);
      const goals: Goal[] = [];
      const sectionNotes = [...notes];
      if (rate('ours') && rate('hive')) goals.push(atLeast(`${workload.name}: ours / Hive Gateway`, ratio('ours', 'hive'), workload.overHive));
      if (rate('ours') && rate('stock')) {
        if (workload.overStock) goals.push(atLeast(`${workload.name}: ours / stock @apollo/gateway`, ratio('ours', 'stock'), workload.overStock));
        else sectionNotes.push(`${workload.name}: ours / stock @apollo/gateway = ${ratio('ours', 'stock').toFixed(2)}×`);
      }
      if (results.has('ours')) goals.push(atMost(`${workload.name}: duplicate representations sent by ours (alone + under load)`, alone.get('ours')!.duplicates + results.get('ours')!.duplicates, 0));
      const cpuPerRequest = (key: string) => (rate(key) ? results.get(key)!.cpu / rate(key)! : NaN);
      const cpuRatios = ['stock', 'hive'].filter((key) => rate(key) && rate('ours')).map((key) => `${key} / ours = ${(cpuPerRequest(key) / cpuPerRequest('ours')).toFixed(2)}×`);
      if (cpuRatios.length) sectionNotes.push(`${workload.name}: gateway CPU per request, ${cpuRatios.join(', ')}`);
      if (rate('router') && rate('ours')) sectionNotes.push(`${workload.name}: ours / Hive Router = ${ratio('ours', 'router').toFixed(2)}×`);
      sections.push({ title: `gateway: ${workload.name}`, columns: Object.keys(rows[0]!), rows, goals, notes: sectionNotes });
    }
    return sections;
  } catch (error) {
    for (const { target } of targets) console.error(`--- ${target.name} output:\n${target.output.join('').slice(-3000)}`);
    throw error;
  } finally {
    await Promise.all(targets.map(({ target }) => target.stop()));
    await subgraphs.stop();
  }
}
