import { CompanyCreated, CompanyUpdated, createEvent, topics, type Envelope } from '@crm/events';
import mongoose from 'mongoose';
import pino from 'pino';
import { createConsumerRunner, on, onBatch, ProcessedEventModel, type ConsumerRunner } from '../src';
import { createTestProducer, readTopics, testKafka, uniqueId, waitFor, type TopicReader } from '../src/testing';
import { connectTestDb, dropTestDb } from './setup';

/**
 * A consumer with a batch handler: a fetched batch of its types goes to it at once; the per-event
 * handlers take the batch instead when it holds a message to park or another type, or when the
 * batch handler fails. Either way each event is handled and recorded once.
 */
const logger = pino({ level: 'silent' });
const kafka = testKafka();
const producer = createTestProducer(kafka);
const tenants = { batch: uniqueId('tenant'), failing: uniqueId('tenant'), mixed: uniqueId('tenant'), poison: uniqueId('tenant') };
let dlq: TopicReader;

/** What one consumer handled: event ids by the way they were handled, in the order they were. */
interface Handled {
  groupId: string;
  byBatch: string[];
  batchCalls: number[];
  byEvent: string[];
  runner: ConsumerRunner;
}

/**
 * A consumer of `tenants` events that batches CompanyCreated. The topic holds other test files'
 * events too, so the main one takes no other type: another file's CompanyUpdated in a fetched
 * batch would send that batch the per-event way. The mixed one also takes CompanyUpdated.
 */
async function startConsumer(tenantIds: string[], alsoUpdated: boolean): Promise<Handled> {
  const ours = new Set(tenantIds);
  const handled = { groupId: uniqueId('batch-handler'), byBatch: [] as string[], batchCalls: [] as number[], byEvent: [] as string[] };
  const perEvent = async (_data: unknown, event: Envelope) => {
    if (ours.has(event.tenantId)) handled.byEvent.push(event.id);
  };
  const runner = createConsumerRunner({
    kafka,
    groupId: handled.groupId,
    startFrom: 'latest',
    logger,
    retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
    handlers: alsoUpdated ? [on(CompanyCreated, perEvent), on(CompanyUpdated, perEvent)] : [on(CompanyCreated, perEvent)],
    batch: onBatch([CompanyCreated], async (events) => {
      const mine = events.filter((event) => ours.has(event.tenantId));
      if (mine.some((event) => event.tenantId === tenants.failing)) throw new Error('the read model refuses this batch');
      // Each event arrives read at the handler's version, with its data checked.
      for (const event of mine) expect((event.data as { name: string }).name).toEqual(expect.any(String));
      if (mine.length > 0) handled.batchCalls.push(mine.length);
      handled.byBatch.push(...mine.map((event) => event.id));
    }),
  });
  await runner.start();
  return { ...handled, runner };
}

let main: Handled;
let mixed: Handled;

beforeAll(async () => {
  await connectTestDb();
  dlq = await readTopics([topics.deadLetter], kafka);
  [main, mixed] = await Promise.all([startConsumer([tenants.batch, tenants.failing, tenants.poison], false), startConsumer([tenants.mixed], true)]);
});
afterAll(async () => {
  await Promise.all([main.runner.stop(), mixed.runner.stop()]);
  await producer.close();
  await dlq.close();
  await dropTestDb();
});

/** `count` CompanyCreated of one company (one key: one partition, in order). */
function created(tenantId: string, count: number) {
  const companyId = new mongoose.Types.ObjectId().toString();
  return Array.from({ length: count }, (_, n) => createEvent(CompanyCreated, { tenantId, aggregateId: companyId }, { companyId, name: `Company ${n}` }));
}

const recorded = (events: Envelope[], by = main) => ProcessedEventModel.countDocuments({ _id: { $in: events.map((event) => `${by.groupId}:${event.id}`) } });
const handledOnce = (events: Envelope[], by = main) => {
  const ids = [...by.byBatch, ...by.byEvent].filter((id) => events.some((event) => event.id === id));
  return ids.length === events.length && new Set(ids).size === events.length;
};

describe('a consumer with a batch handler', () => {
  it('gives a fetched batch of its types to the batch handler, in order, each event once, and records them', async () => {
    const events = created(tenants.batch, 12);
    await producer.send(...events);
    await waitFor(async () => (await recorded(events)) === events.length, { timeoutMs: 60_000, what: 'the 12 events recorded as processed' });
    expect(main.byBatch.filter((id) => events.some((event) => event.id === id))).toEqual(events.map((event) => event.id));
    expect(main.byEvent.filter((id) => events.some((event) => event.id === id))).toEqual([]);
    // Fewer calls than events: the batch handler took them together.
    expect(main.batchCalls.length).toBeLessThan(events.length);
  });

  it('hands a batch its handler fails on to the per-event handlers, each event once', async () => {
    const events = created(tenants.failing, 5);
    await producer.send(...events);
    await waitFor(async () => (await recorded(events)) === events.length, { timeoutMs: 60_000, what: 'the 5 events recorded as processed' });
    expect(main.byEvent.filter((id) => events.some((event) => event.id === id))).toEqual(events.map((event) => event.id));
    expect(main.byBatch.some((id) => events.some((event) => event.id === id))).toBe(false);
  });

  it('handles a batch holding another type the per-event way, each event once', async () => {
    const [first, second] = created(tenants.mixed, 2);
    const companyId = first!.aggregateId!;
    const updated = createEvent(CompanyUpdated, { tenantId: tenants.mixed, aggregateId: companyId }, { companyId, name: 'Renamed', changes: [{ field: 'name', from: 'Company 0', to: 'Renamed' }] });
    const events = [first!, updated, second!];
    await producer.send(...events);
    await waitFor(async () => (await recorded(events, mixed)) === events.length, { timeoutMs: 60_000, what: 'the 3 events recorded as processed' });
    expect(handledOnce(events, mixed)).toBe(true);
    // CompanyUpdated is not the batch handler's: it went the per-event way, never to the batch handler.
    expect(mixed.byEvent).toContain(updated.id);
    expect(mixed.byBatch).not.toContain(updated.id);
  });

  it('refuses a batch type without a per-event handler of the same version (its fallback)', () => {
    expect(() =>
      createConsumerRunner({ kafka, groupId: uniqueId('batch-handler'), logger, handlers: [on(CompanyCreated, async () => undefined)], batch: onBatch([CompanyUpdated], async () => undefined) }),
    ).toThrow(/batch handler takes CompanyUpdated v1, which needs a per-event handler/);
  });

  it('parks a poison message of a batch and handles the rest once', async () => {
    const events = created(tenants.poison, 3);
    const key = events[0]!.aggregateId!;
    await producer.sendRaw(topics.company, { key, value: JSON.stringify(events[0]) }, { key, value: 'not JSON at all' }, ...events.slice(1).map((event) => ({ key, value: JSON.stringify(event) })));
    await waitFor(async () => (await recorded(events)) === events.length, { timeoutMs: 60_000, what: 'the 3 good events recorded as processed' });
    expect(handledOnce(events)).toBe(true);
    const parked = await dlq.waitFor((message) => message.key === key && message.headers['dlq-consumer'] === main.groupId, 'the poison message parked');
    expect(parked.headers['dlq-reason']).toMatch(/unparseable/);
  });
});
