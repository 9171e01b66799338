// The analytics read models at scale, through the projection code and the built service
// (`node services/analytics/dist/main.js`):
// 1. fill: BENCH_ANALYTICS_DEALS deals (1,000,000) with their whole histories, handled by the
//    service's own batch handlers (facts, counters, funnel, sales facts) as the consumers take a fetched
//    batch (100 events a call), into a bench database;
//    stops at BENCH_ANALYTICS_FILL_MINUTES (60) and prints what was reached, and the store
//    statements per event it cost, by command and collection;
// 2. queries through the subgraph: p50/p95 of funnel (unfiltered and filtered), forecast, win
//    rate, revenue, sales cycle and ABC (when the service has it), BENCH_ANALYTICS_QUERIES each;
// 3. lag: BENCH_ANALYTICS_STREAM_EVENTS (100,000) new events through Kafka at a steady
//    BENCH_ANALYTICS_RATE (500) events/s, event-to-read-model lag from the consumers' records.
// Prints figures, asserts nothing.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { catalogue, type Envelope } from '@crm/events';
import { ProcessedEventModel, type Subscription } from '@crm/messaging';
import { createTestProducer, uniqueId } from '@crm/messaging/testing';
import { dataOf, freePort, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import mongoose from 'mongoose';
import { factsConsumer } from '../../../../services/analytics/src/modules/deal-facts/facts.consumer';
import { funnelConsumer } from '../../../../services/analytics/src/modules/funnel/funnel.consumer';
import { salesFactsConsumer } from '../../../../services/analytics/src/modules/won-deals/sales-facts.consumer';
import { benchNodeArgs } from '../node-args';
import { atMost, percentiles, type Section } from '../report';
import { dealEvents, newPipelineId, pipelineEvent } from './analytics-data';
import { countStatements, statementRows } from './store-statements';

const DEALS = Number(process.env.BENCH_ANALYTICS_DEALS ?? 1_000_000);
const FILL_MINUTES = Number(process.env.BENCH_ANALYTICS_FILL_MINUTES ?? 60);
const QUERIES = Number(process.env.BENCH_ANALYTICS_QUERIES ?? 200);
const STREAM_EVENTS = Number(process.env.BENCH_ANALYTICS_STREAM_EVENTS ?? 100_000);
const RATE = Number(process.env.BENCH_ANALYTICS_RATE ?? 500);
/** Batches projected at once, and the deals in each (a deal's events in order, as its partition delivers them). */
const CONCURRENCY = 4;
const DEALS_PER_BATCH = 50;
/** Events per batch handler call: what the consumer runner passes (its batchSize). */
const EVENTS_PER_CALL = 100;
const root = resolve(__dirname, '../../../..');
const silent = pino({ level: 'silent' });

/** Every analytics consumer of the deals topic. */
const consumers = [funnelConsumer, factsConsumer, salesFactsConsumer];
const handlers = new Map<string, { group: string; subscription: Subscription }[]>();
for (const consumer of consumers) for (const subscription of consumer.handlers) handlers.set(subscription.definition.type, [...(handlers.get(subscription.definition.type) ?? []), { group: consumer.groupId, subscription }]);

/** What the consumer runner does with one event, minus Kafka: every analytics handler of its type. */
async function project(event: Envelope): Promise<void> {
  for (const { group, subscription } of handlers.get(event.type) ?? []) {
    const data = catalogue.read(subscription.definition, event);
    await subscription.handle(data, { ...event, data }, { logger: silent, consumer: group });
  }
}

/** What the consumer runner does with a fetched batch: each consumer's batch handler with the events of its types. */
async function projectBatch(events: Envelope[]): Promise<void> {
  for (const consumer of consumers) {
    const types = new Set(consumer.batch!.definitions.map((definition) => definition.type));
    const own = events.filter((event) => types.has(event.type));
    for (let at = 0; at < own.length; at += EVENTS_PER_CALL) {
      const call = own.slice(at, at + EVENTS_PER_CALL).map((event) => ({ ...event, data: catalogue.read(consumer.handlers.find((handler) => handler.definition.type === event.type)!.definition, event) }));
      await consumer.batch!.handle(call, { logger: silent, consumer: consumer.groupId });
    }
  }
}

async function fill(tenantId: string, pipelineId: string) {
  await project(pipelineEvent(tenantId, pipelineId));
  const counting = countStatements(mongoose.connection.getClient());
  const started = performance.now();
  const deadline = started + FILL_MINUTES * 60_000;
  let next = 0;
  let events = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < DEALS && performance.now() < deadline) {
        const first = next;
        next = Math.min(DEALS, next + DEALS_PER_BATCH);
        const batch: Envelope[] = [];
        for (let i = first; i < next; i += 1) batch.push(...dealEvents(tenantId, pipelineId, i));
        await projectBatch(batch);
        events += batch.length;
        if (Math.floor(next / 10_000) > Math.floor(first / 10_000)) console.log(`[bench] analytics fill: ${next} deals, ${events} events, ${Math.round(events / ((performance.now() - started) / 1000))} events/s`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { deals: Math.min(next, DEALS), events, seconds, statements: counting.stop() };
}

async function startAnalyticsProcess(database: string, groupSuffix: string) {
  const port = await freePort();
  const child = spawn(process.execPath, [...benchNodeArgs(), '--disable-warning=TimeoutNegativeWarning', resolve(root, 'services/analytics/dist/main.js')], {
    env: { ...process.env, CRM_LOCAL_DEV: '1', PORT: String(port), MONGODB_DB: database, KAFKA_GROUP_SUFFIX: groupSuffix, KAFKA_CONSUMER_START: 'latest', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null))?.ok, { timeoutMs: 60_000, what: 'analytics to be ready' });
  // Ready serves queries; the consumers join a moment later (the /health broker state tells).
  await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { broker?: string }).broker === 'ok', { timeoutMs: 60_000, what: 'analytics consumers to join' });
  return { url: `http://127.0.0.1:${port}/graphql`, stop: () => new Promise<void>((done) => (child.once('exit', () => done()), child.kill('SIGTERM'))) };
}

async function latencies(call: () => Promise<unknown>) {
  const ms: number[] = [];
  for (let i = 0; i < QUERIES; i += 1) {
    const started = performance.now();
    await call();
    ms.push(performance.now() - started);
  }
  return percentiles(ms);
}

async function stream(tenantId: string, groupSuffix: string) {
  const producer = createTestProducer();
  const sent = new Map<string, number>();
  const perTick = Math.max(1, Math.round(RATE / 50)); // a batch every 20 ms
  const pipelineId = newPipelineId();
  const queue: Envelope[] = [pipelineEvent(tenantId, pipelineId)];
  for (let i = 0; queue.length < STREAM_EVENTS; i += 1) queue.push(...dealEvents(tenantId, pipelineId, i));
  queue.length = STREAM_EVENTS;
  console.log(`[bench] analytics lag: streaming ${STREAM_EVENTS} events at ${RATE}/s`);
  const started = performance.now();
  for (let at = 0; at < queue.length; at += perTick) {
    const wait = started + (at / RATE) * 1000 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const batch = queue.slice(at, at + perTick);
    const now = Date.now();
    for (const event of batch) sent.set(event.id, now);
    await producer.send(...batch);
  }
  const sendSeconds = (performance.now() - started) / 1000;
  await producer.close();
  // The later of the two consumers' records is when the event reached every read model.
  const groups = consumers.map((consumer) => `${consumer.groupId}${groupSuffix}`);
  const ids = [...sent.keys()];
  const done = new Map<string, number>();
  /** Per consumer group: when it recorded each event (which read model is behind). */
  const doneBy = new Map<string, Map<string, number>>(groups.map((group) => [group, new Map()]));
  const expected = new Map(queue.map((event) => [event.id, consumers.filter((consumer) => consumer.handlers.some((handler) => handler.definition.type === event.type)).length]));
  await waitFor(
    async () => {
      for (let i = 0; i < ids.length; i += 1000) {
        const slice = ids.slice(i, i + 1000).filter((id) => !done.has(id));
        if (slice.length === 0) continue;
        const records = await ProcessedEventModel.find({ _id: { $in: groups.flatMap((group) => slice.map((id) => `${group}:${id}`)) } }, { eventId: 1, processedAt: 1, consumer: 1 }).lean();
        const seen = new Map<string, { count: number; at: number }>();
        for (const record of records) {
          doneBy.get(record.consumer)?.set(record.eventId, new Date(record.processedAt).getTime());
          const entry = seen.get(record.eventId) ?? { count: 0, at: 0 };
          seen.set(record.eventId, { count: entry.count + 1, at: Math.max(entry.at, new Date(record.processedAt).getTime()) });
        }
        for (const id of slice) {
          const entry = seen.get(id);
          if (entry && entry.count >= expected.get(id)!) done.set(id, entry.at);
        }
      }
      return done.size === ids.length;
    },
    { timeoutMs: 600_000, intervalMs: 2000, what: 'every streamed event to be processed' },
  );
  const lags = ids.map((id) => done.get(id)! - sent.get(id)!);
  const byConsumer = [...doneBy].map(([group, at]) => ({ consumer: group.slice(0, group.length - groupSuffix.length), lag: percentiles([...at].map(([id, when]) => when - sent.get(id)!)) }));
  return { sendSeconds, lag: percentiles(lags), events: ids.length, byConsumer };
}

export async function run(): Promise<Section[]> {
  const database = `crm_analytics_bench_${uniqueId('db').slice(3)}`;
  const groupSuffix = `.${uniqueId('bench')}`;
  const identity = testIdentity(undefined, ['admin']);
  await mongoose.connect(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017', { dbName: database, monitorCommands: true });
  try {
    const benchPipelineId = newPipelineId();
    const filled = await fill(identity.tenantId, benchPipelineId);
    await mongoose.connection.db!.collection('money_settings').insertOne({ _id: identity.tenantId as never, tenantId: identity.tenantId, currency: 'EUR', rates: { USD: 0.92 }, updatedAt: new Date() });
    const service = await startAnalyticsProcess(database, groupSuffix);
    try {
      const call = (query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables).then(dataOf);
      const year = { from: '2026-01-01T00:00:00.000Z', to: '2026-12-31T23:59:59.000Z' };
      const fields = (await call(`{ __type(name: "Query") { fields { name } } }`)).__type.fields.map((field: { name: string }) => field.name) as string[];
      const measured: [string, () => Promise<unknown>][] = [
        ['funnel', () => call(`query ($id: ID!) { funnel(pipelineId: $id) { totalDeals stages { reached money { amount } } } }`, { id: benchPipelineId })],
        ['funnel, filtered by owner over a year', () => call(`query ($id: ID!, $f: FunnelFilter) { funnel(pipelineId: $id, filter: $f) { totalDeals stages { reached money { amount } } } }`, { id: benchPipelineId, f: { ...year, ownerId: 'user-7' } })],
        ['funnel, filtered by owner and source', () => call(`query ($id: ID!, $f: FunnelFilter) { funnel(pipelineId: $id, filter: $f) { totalDeals } }`, { id: benchPipelineId, f: { ...year, ownerId: 'user-7', source: 'FAIR' } })],
        ['forecast, 6 months', () => call(`{ forecast(fromMonth: "2026-12", months: 6) { weighted { amount } } }`)],
        ['winRate by owner, a year', () => call(`query ($from: DateTime!, $to: DateTime!) { winRate(from: $from, to: $to, groupBy: OWNER) { total { winRate } } }`, year)],
        ['revenue by team, a year', () => call(`query ($from: DateTime!, $to: DateTime!) { revenue(from: $from, to: $to, groupBy: TEAM) { total { revenue { amount } } } }`, year)],
        ['salesCycle, a month', () => call(`query ($id: ID!) { salesCycle(pipelineId: $id, from: "2026-06-01T00:00:00Z", to: "2026-06-30T23:59:59Z") { truncated creationToWin { medianDays } } }`, { id: benchPipelineId })],
      ];
      // ABC analysis comes with the abc module: measured when the service has it.
      if (fields.includes('abcAnalysis')) measured.push(['abcAnalysis, a year', () => call(`query ($from: DateTime!, $to: DateTime!) { abcAnalysis(from: $from, to: $to) { __typename } }`, year)]);
      const rows = [];
      const goals = [];
      for (const [name, query] of measured) {
        await query(); // warm
        const figures = await latencies(query);
        rows.push({ query: name, 'p50 ms': figures.p50, 'p95 ms': figures.p95, 'p99 ms': figures.p99 });
        if (name === 'funnel' || name.startsWith('forecast')) goals.push(atMost(`${name} p95`, figures.p95, 50, ' ms'));
      }
      const streamed = await stream(testIdentity().tenantId, groupSuffix);
      return [
        {
          title: `analytics fill: ${filled.deals} of ${DEALS} deals through the projection code`,
          columns: ['deals', 'events', 'seconds', 'events/s'],
          rows: [{ deals: filled.deals, events: filled.events, seconds: Math.round(filled.seconds), 'events/s': Math.round(filled.events / filled.seconds) }],
          notes: [filled.deals < DEALS ? `stopped after BENCH_ANALYTICS_FILL_MINUTES=${FILL_MINUTES}: the queries below ran on ${filled.deals} deals` : 'every deal projected'],
        },
        {
          title: `analytics fill: store statements per event (${filled.events} events), by command and collection`,
          columns: ['command', 'collection', 'per event'],
          rows: statementRows(filled.statements, filled.events),
          notes: [`the three analytics consumers' batch handlers, ${EVENTS_PER_CALL} events a call; a bulk command counts each of its statements; the lag follows from the store's cost per statement (docs/performance.md)`],
        },
        {
          title: `analytics queries on ${filled.deals} deals (${QUERIES} each, through the subgraph)`,
          columns: ['query', 'p50 ms', 'p95 ms', 'p99 ms'],
          rows,
          goals,
          notes: fields.includes('abcAnalysis') ? [] : ['abcAnalysis: not in this build (the abc module adds it)'],
        },
        {
          title: `analytics lag: ${streamed.events} events through Kafka at ${RATE}/s`,
          columns: ['events', 'send s', 'lag p50 ms', 'lag p99 ms'],
          rows: [
            { events: streamed.events, 'send s': Math.round(streamed.sendSeconds), 'lag p50 ms': streamed.lag.p50, 'lag p99 ms': streamed.lag.p99 },
            ...streamed.byConsumer.map(({ consumer, lag }) => ({ events: `  ${consumer}`, 'send s': '', 'lag p50 ms': lag.p50, 'lag p99 ms': lag.p99 })),
          ],
          goals: [atMost('event-to-read-model lag p99', streamed.lag.p99, 100, ' ms')],
          notes: ['lag = when the last analytics consumer recorded the event processed - when it was sent; then each consumer alone'],
        },
      ];
    } finally {
      await service.stop();
    }
  } finally {
    await mongoose.connection.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
  }
}
