// npm run bench: figures for the slice through the real gateway, services, FerretDB and Kafka.
// Bounded (a few hundred requests per case, 8 at a time) and loopback only. Prints, asserts nothing.
import { performance } from 'node:perf_hooks';
import { dataOf, testIdentity, waitFor } from '@crm/testing';
import { gatewayClient } from '../test/client';
import { startStack } from '../test/stack';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

async function measure(name: string, count: number, run: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t0 = performance.now();
        await run(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
  console.log(`${name.padEnd(44)} ${String(count).padStart(5)} req  ${(count / seconds).toFixed(0).padStart(5)} req/s  p50 ${pct(50).padStart(6)} ms  p95 ${pct(95).padStart(6)} ms  p99 ${pct(99).padStart(6)} ms`);
}

async function main() {
  const stack = await startStack();
  try {
    const identity = testIdentity(undefined, ['head_of_sales']);
    const call = gatewayClient(stack.gatewayUrl, identity);
    const ok = async (query: string, variables?: object) => dataOf(await call(query, variables));

    const { createPipeline: pipeline } = await ok(`mutation { createPipeline(input: { name: "Bench", stages: [
      { name: "A", probability: 0.1 }, { name: "B", probability: 0.4 }, { name: "C", probability: 0.8 }] }) { id stages { id } } }`);
    const companies: string[] = [];
    await measure('createCompany (contacts)', REQUESTS, async (i) => {
      companies.push((await ok(`mutation ($n: String!) { createCompany(input: { name: $n }) { id } }`, { n: `Company ${i}` })).createCompany.id);
    });
    await measure('companies(first: 20) page (contacts)', REQUESTS, () => ok(`{ companies(first: 20) { totalCount edges { node { id name } } } }`));

    // Deals learns companies from events: use 25 of them, each confirmed known before timing.
    const createDeal = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`;
    const clients = companies.slice(0, 25);
    const dealInput = (i: number, title = `Deal ${i}`) => ({ title, companyId: clients[i % clients.length], pipelineId: pipeline.id, amount: 1000 + i, currency: 'EUR' });
    const deals: string[] = [];
    for (const [i] of clients.entries()) {
      deals.push(await waitFor(async () => (await call(createDeal, { input: dealInput(i, 'probe') })).data?.createDeal.id, { what: 'deals to know the company' }));
    }
    await measure('createDeal (deals)', REQUESTS, async (i) => {
      deals.push((await ok(createDeal, { input: dealInput(i) })).createDeal.id);
    });
    await measure('moveDealToStage (deals)', deals.length, (i) =>
      ok(`mutation ($id: ID!, $s: ID!) { moveDealToStage(id: $id, stageId: $s) { id } }`, { id: deals[i], s: pipeline.stages[1].id }),
    );

    // Event propagation: from the move's response to the task and the funnel a user can see.
    const t0 = performance.now();
    await waitFor(
      async () => {
        const { funnel } = await ok(`query ($p: ID!) { funnel(pipelineId: $p) { stages { reached } } }`, { p: pipeline.id });
        return funnel.stages[1].reached === deals.length ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 50, what: 'the funnel to count every move' },
    );
    console.log(`${'funnel caught up with all moves'.padEnd(44)} ${(performance.now() - t0).toFixed(0)} ms after the last move`);

    const DEAL_360 = `query ($id: ID!) { deal(id: $id) { title company { name } stage { name } activities { subject } pipeline { funnel { bottleneck { name } } } } }`;
    await waitFor(async () => ((await ok(DEAL_360, { id: deals[0] })).deal.activities.length > 0 ? true : undefined), { timeoutMs: 60_000 });
    await measure('deal 360 view: 4 subgraphs in one query', REQUESTS, (i) => ok(DEAL_360, { id: deals[i % deals.length] }));
    await measure(`company with ${Math.ceil(deals.length / clients.length)} deals (Company.deals)`, REQUESTS, () =>
      ok(`query ($id: ID!) { company(id: $id) { name deals { title stage { name } } } }`, { id: companies[0] }),
    );
  } catch (error) {
    console.error(stack.output.join('').slice(-4000));
    throw error;
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
