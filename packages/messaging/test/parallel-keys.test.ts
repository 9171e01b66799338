import { CompanyCreated, createEvent } from '@crm/events';
import mongoose from 'mongoose';
import pino from 'pino';
import { createConsumerRunner, on, ProcessedEventModel, type ConsumerRunner } from '../src';
import { createTestProducer, testKafka, uniqueId, waitFor } from '../src/testing';
import { connectTestDb, dropTestDb } from './setup';

/**
 * `parallelKeys`: several aggregates at once, each aggregate's events in their order, every event
 * handled and recorded once. The handler takes a few milliseconds, as a store write does, so
 * handlers of different keys overlap when they may.
 */
const logger = pino({ level: 'silent' });
const kafka = testKafka();
const producer = createTestProducer(kafka);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Trace {
  order: Map<string, number[]>;
  inFlight: number;
  maxInFlight: number;
  count: number;
}
const newTrace = (): Trace => ({ order: new Map(), inFlight: 0, maxInFlight: 0, count: 0 });

const KEYS = 6;
const PER_KEY = 8;
/** `PER_KEY` events for each of `KEYS` companies, the n-th named `<n>`, interleaved as a busy topic holds them. */
function eventsOf(tenantId: string) {
  const companies = Array.from({ length: KEYS }, () => new mongoose.Types.ObjectId().toString());
  return Array.from({ length: PER_KEY }, (_, n) =>
    companies.map((companyId) => createEvent(CompanyCreated, { tenantId, aggregateId: companyId }, { companyId, name: String(n) })),
  ).flat();
}

let runners: ConsumerRunner[] = [];
const traces = { parallel: newTrace(), serial: newTrace() };
const tenants = { parallel: uniqueId('tenant'), serial: uniqueId('tenant') };
const groups = { parallel: uniqueId('parallel-keys'), serial: uniqueId('serial-keys') };

beforeAll(async () => {
  await connectTestDb();
  runners = (['parallel', 'serial'] as const).map((mode) =>
    createConsumerRunner({
      kafka,
      groupId: groups[mode],
      startFrom: 'latest',
      logger,
      parallelKeys: mode === 'parallel' ? 4 : 1,
      handlers: [
        on(CompanyCreated, async (data, event) => {
          if (event.tenantId !== tenants[mode]) return; // the topic holds other tests' events too
          const trace = traces[mode];
          trace.inFlight += 1;
          trace.maxInFlight = Math.max(trace.maxInFlight, trace.inFlight);
          await sleep(15);
          trace.order.set(data.companyId, [...(trace.order.get(data.companyId) ?? []), Number(data.name)]);
          trace.count += 1;
          trace.inFlight -= 1;
        }),
      ],
    }),
  );
  await Promise.all(runners.map((runner) => runner.start()));
});
afterAll(async () => {
  await Promise.all(runners.map((runner) => runner.stop()));
  await producer.close();
  await dropTestDb();
});

describe.each(['parallel', 'serial'] as const)('a consumer with %s keys', (mode) => {
  it('handles each aggregate’s events in order, each once, and records each once', async () => {
    const events = eventsOf(tenants[mode]);
    await producer.send(...events);
    const trace = traces[mode];
    await waitFor(() => trace.count >= events.length, { timeoutMs: 60_000, what: `the ${mode} consumer to handle ${events.length} events` });
    await waitFor(async () => (await ProcessedEventModel.countDocuments({ _id: { $in: events.map((event) => `${groups[mode]}:${event.id}`) } })) === events.length, {
      what: 'every event recorded as processed',
    });
    expect(trace.count).toBe(events.length);
    expect(trace.order.size).toBe(KEYS);
    for (const order of trace.order.values()) expect(order).toEqual(Array.from({ length: PER_KEY }, (_, n) => n));
    if (mode === 'parallel') expect(trace.maxInFlight).toBeGreaterThan(1);
    else expect(trace.maxInFlight).toBe(1);
  });
});
