import { topics, type Envelope } from '@crm/events';
import pino from 'pino';
import { createKafkaPublisher, createOutboxRelay, ParkedEventModel, type EventPublisher } from '../src';
import { readTopics, testKafka, uniqueId, unreachableKafka, waitFor, type TopicReader } from '../src/testing';
import { AggregateModel, companyCreated, connectTestDb, dropTestDb } from './setup';

const logger = pino({ level: 'silent' });
let publisher: EventPublisher;
let reader: TopicReader;

beforeAll(async () => {
  await connectTestDb();
  await ParkedEventModel.createIndexes();
  publisher = createKafkaPublisher(testKafka());
  reader = await readTopics([topics.company]);
});
afterAll(async () => {
  await reader.close();
  await publisher.close();
  await dropTestDb();
});

/** Bigger than the broker's max.message.bytes (1 MB by default), valid by the catalogue (a name has no maximum there). */
const oversized = (tenantId: string) => companyCreated(tenantId, 'x'.repeat(1_200_000));

async function outboxOf(tenantId: string) {
  const docs = await AggregateModel.find({ tenantId }).lean();
  return docs.map((doc) => ({ pending: doc.outboxPending, events: doc.outbox.length }));
}

describe('relay: one bad event does not stall the others', () => {
  it('parks an event the broker refuses as too large, with its reason, and publishes the rest', async () => {
    const tenantId = uniqueId('tenant');
    const before = companyCreated(tenantId, 'Before');
    const big = oversized(tenantId);
    const after = companyCreated(tenantId, 'After');
    const beside = companyCreated(tenantId, 'Beside the unknown one');
    const unknown = { ...companyCreated(tenantId, 'From a newer build'), version: 9 };
    await AggregateModel.create([
      { tenantId, outbox: [before] },
      { tenantId, outbox: [big] },
      { tenantId, outbox: [after] },
      { tenantId, outbox: [beside, unknown] },
    ]);
    // No size limit in the relay: the real broker says no.
    const relay = createOutboxRelay({ models: [AggregateModel], publisher, logger, maxMessageBytes: Number.POSITIVE_INFINITY });
    try {
      expect(await relay.flush()).toBeGreaterThanOrEqual(3);
    } finally {
      await relay.stop();
    }
    for (const good of [before, after, beside]) await reader.waitFor((m) => m.event?.id === good.id, good.data.name);
    const parked = await ParkedEventModel.find({ tenantId }).sort({ at: -1 }).lean();
    const byEvent = new Map(parked.map((record) => [(record.event as Envelope).id, record]));
    expect(byEvent.get(big.id)).toMatchObject({ model: 'aggregates', reason: expect.stringMatching(/^refused by the broker: .*larger than the max message size/), day: expect.stringMatching(/^\d{4}-\d\d-\d\d$/) });
    expect((byEvent.get(big.id)!.event as Envelope).data.name).toHaveLength(1_200_000);
    expect(byEvent.get(unknown.id)).toMatchObject({ reason: 'CompanyCreated v9 is not in the event catalogue' });
    expect(parked).toHaveLength(2);
    expect(reader.messages.some((m) => m.event?.id === big.id || m.event?.id === unknown.id)).toBe(false);
    expect(await outboxOf(tenantId)).toEqual(Array.from({ length: 4 }, () => ({ pending: false, events: 0 })));
  });

  it('parks, without sending, an event above its own size limit or with a broken envelope', async () => {
    const tenantId = uniqueId('tenant');
    const big = oversized(tenantId);
    const broken = { ...companyCreated(tenantId, 'Broken'), id: 'not-a-uuid' };
    const good = companyCreated(tenantId, 'Good');
    await AggregateModel.create({ tenantId, outbox: [big, broken, good] });
    const relay = createOutboxRelay({ models: [AggregateModel], publisher, logger });
    try {
      expect(await relay.flush()).toBeGreaterThanOrEqual(1);
    } finally {
      await relay.stop();
    }
    await reader.waitFor((m) => m.event?.id === good.id, 'the good event');
    const reasons = (await ParkedEventModel.find({ tenantId }).lean()).map((record) => record.reason).sort();
    expect(reasons).toEqual([expect.stringMatching(/^invalid envelope: id: /), expect.stringMatching(/^message too large: 1200\d{3} bytes \(limit 1000000\)$/)]);
    expect(await outboxOf(tenantId)).toEqual([{ pending: false, events: 0 }]);
  });

  it('backs off while the broker is unreachable, reports it, and recovers with every event kept', async () => {
    const tenantId = uniqueId('tenant');
    const event = companyCreated(tenantId, 'Waits out the outage');
    await AggregateModel.create({ tenantId, outbox: [event] });
    const down = createKafkaPublisher(unreachableKafka());
    let current = down;
    let attempts = 0;
    // The real publishers, swapped: the outage ends when `current` is the reachable one.
    const switching: EventPublisher = { publish: (events) => ((attempts += 1), current.publish(events)), close: async () => undefined };
    const relay = createOutboxRelay({ models: [AggregateModel], publisher: switching, logger, pollIntervalMs: 3_600_000, maxBackoffMs: 3_600_000 });
    try {
      relay.kick();
      await waitFor(() => !relay.healthy, { what: 'the relay to notice the outage' });
      const failedAttempts = attempts;
      relay.kick(); // within the back-off: no new attempt
      relay.kick();
      expect(attempts).toBe(failedAttempts);
      expect(await outboxOf(tenantId)).toEqual([{ pending: true, events: 1 }]);

      current = publisher;
      await relay.flush(); // what the next round after the back-off does
      expect(relay.healthy).toBe(true);
      await reader.waitFor((m) => m.event?.id === event.id, 'the event after the outage');
      expect(await outboxOf(tenantId)).toEqual([{ pending: false, events: 0 }]);
    } finally {
      await relay.stop();
      await down.close();
    }
  });
});
