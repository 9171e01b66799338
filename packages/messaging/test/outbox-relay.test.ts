import { topics } from '@crm/events';
import mongoose, { Schema } from 'mongoose';
import pino from 'pino';
import { createKafkaPublisher, createOutboxRelay, insertWithEvents, migrateOutboxMarks, outboxPlugin, withEvents, type EventPublisher, type HasOutbox } from '../src';
import { readTopics, testKafka, uniqueId, unreachableKafka } from '../src/testing';
import { AggregateModel, companyCreated, connectTestDb, dropTestDb } from './setup';

/** A record with mongoose timestamps: `updatedAt` is what conditional writes compare. */
interface Stamped extends HasOutbox {
  tenantId: string;
  name: string;
  updatedAt: Date;
}
const timestamped = new Schema<Stamped>(
  { tenantId: { type: String, required: true }, name: String },
  { collection: 'timestamped', timestamps: true },
);
timestamped.plugin(outboxPlugin);
const TimestampedModel = mongoose.model<Stamped>('OutboxTestTimestamped', timestamped);
const third = new Schema<Stamped>({ tenantId: { type: String, required: true }, name: String }, { collection: 'relay_third', timestamps: true });
third.plugin(outboxPlugin);
const ThirdModel = mongoose.model<Stamped>('OutboxTestThird', third);

const logger = pino({ level: 'silent' });
let publisher: EventPublisher;

beforeAll(async () => {
  await connectTestDb();
  publisher = createKafkaPublisher(testKafka());
});
afterAll(async () => {
  await publisher.close();
  await dropTestDb();
});

describe('outbox relay', () => {
  it('publishes pending events keyed by aggregate and empties the outbox', async () => {
    const tenantId = uniqueId('tenant');
    const first = companyCreated(tenantId, 'First');
    const second = companyCreated(tenantId, 'Second');
    const doc = await AggregateModel.create({ tenantId, name: 'a', outbox: [first] });
    await AggregateModel.updateOne({ _id: doc._id }, withEvents({ $set: { name: 'b' } }, second));

    const reader = await readTopics([topics.company]);
    const relay = createOutboxRelay({ models: [AggregateModel], publisher, logger });
    try {
      expect(await relay.flush()).toBeGreaterThanOrEqual(2);
      await reader.waitFor((m) => m.event?.id === first.id);
      await reader.waitFor((m) => m.event?.id === second.id);
      expect(reader.messages.find((m) => m.event?.id === first.id)?.key).toBe(first.aggregateId);
      const stored = await AggregateModel.findById(doc._id).lean();
      expect(stored?.name).toBe('b');
      expect(stored?.outbox).toEqual([]);
    } finally {
      await relay.stop();
      await reader.close();
    }
  });

  it('after a write, looks only at the collection written to; the poll and a flush look at every one', async () => {
    const tenantId = uniqueId('tenant');
    const reader = await readTopics([topics.company]);
    const relay = createOutboxRelay({ models: [AggregateModel, TimestampedModel], publisher, logger, pollIntervalMs: 60_000 });
    try {
      relay.start();
      await relay.flush(); // what earlier tests left
      // Written around the write seam (as another replica would write it): nothing wakes the relay for it.
      const aside = companyCreated(tenantId, 'Aside');
      await TimestampedModel.create({ tenantId, name: 'aside', outbox: [aside] });
      const written = companyCreated(tenantId, 'Written');
      await insertWithEvents(AggregateModel, { tenantId, name: 'written' }, written);
      await reader.waitFor((m) => m.event?.id === written.id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(reader.messages.some((m) => m.event?.id === aside.id)).toBe(false);
      expect(await relay.flush()).toBe(1);
      await reader.waitFor((m) => m.event?.id === aside.id);
    } finally {
      await relay.stop();
      await reader.close();
    }
  });

  it('drains a collection written to during a poll next, before the rest of the poll', async () => {
    const tenantId = uniqueId('tenant');
    const flushed = createOutboxRelay({ models: [AggregateModel, TimestampedModel, ThirdModel], publisher, logger });
    await flushed.flush(); // what earlier tests left
    await flushed.stop();
    // Pending in each of the three collections, waiting for a poll (no write woke the relay for them).
    const first = companyCreated(tenantId, 'First');
    const second = companyCreated(tenantId, 'Second');
    const third = companyCreated(tenantId, 'Third');
    await AggregateModel.create({ tenantId, name: 'a', outbox: [first] });
    await TimestampedModel.create({ tenantId, name: 'b', outbox: [second] });
    await ThirdModel.create({ tenantId, name: 'c', outbox: [third] });
    const written = companyCreated(tenantId, 'Written');
    const order: string[] = [];
    const recording: EventPublisher = { publish: (events) => (order.push(...events.map((event) => event.id)), publisher.publish(events)), close: () => publisher.close() };
    const reader = await readTopics([topics.company]);
    const relay = createOutboxRelay({
      models: [AggregateModel, TimestampedModel, ThirdModel],
      publisher: recording,
      logger,
      pollIntervalMs: 60_000,
      // While the poll drains the first collection, a write to the last one.
      afterPublish: async (events) => {
        if (events.some((event) => event.id === first.id)) await insertWithEvents(ThirdModel, { tenantId, name: 'written' }, written);
      },
    });
    try {
      relay.start(); // the poll at start: every collection
      await reader.waitFor((m) => m.event?.id === second.id);
      await reader.waitFor((m) => m.event?.id === written.id);
      // The collection written to went right after the one being drained: the write's event before the second collection's.
      expect(order.filter((id) => [first.id, second.id, third.id, written.id].includes(id))).toEqual([first.id, third.id, written.id, second.id]);
    } finally {
      await relay.stop();
      await reader.close();
    }
  });

  it("leaves a record's updatedAt as it was: publishing is not a change of the record", async () => {
    const tenantId = uniqueId('tenant');
    const doc = await TimestampedModel.create({ tenantId, name: 'a', outbox: [companyCreated(tenantId, 'Stamped')] });
    const relay = createOutboxRelay({ models: [TimestampedModel], publisher, logger });
    try {
      expect(await relay.flush()).toBe(1);
      const stored = await TimestampedModel.findById(doc._id).lean();
      expect(stored?.outbox).toEqual([]);
      expect(stored?.updatedAt.getTime()).toBe(doc.updatedAt.getTime());
    } finally {
      await relay.stop();
    }
  });

  it('re-sends, never loses, when it crashes between publishing and marking sent', async () => {
    const tenantId = uniqueId('tenant');
    const event = companyCreated(tenantId, 'Crashy');
    const doc = await AggregateModel.create({ tenantId, outbox: [event] });
    const reader = await readTopics([topics.company]);
    let crashes = 1;
    const crashing = createOutboxRelay({
      models: [AggregateModel],
      publisher,
      logger,
      afterPublish: () => {
        if (crashes-- > 0) throw new Error('simulated crash after publish');
      },
    });
    try {
      await expect(crashing.flush()).rejects.toThrow('simulated crash');
      // Published once, but still pending on the document.
      await reader.waitFor((m) => m.event?.id === event.id);
      expect((await AggregateModel.findById(doc._id).lean())?.outbox).toHaveLength(1);

      // The relay comes back (a restart, or the next poll) and publishes it again.
      await crashing.flush();
      await reader.waitFor(() => reader.messages.filter((m) => m.event?.id === event.id).length === 2, 'the re-sent event');
      expect((await AggregateModel.findById(doc._id).lean())?.outbox).toEqual([]);
    } finally {
      await crashing.stop();
      await reader.close();
    }
  });

  it('keeps and later publishes events pushed while a batch was in flight', async () => {
    const tenantId = uniqueId('tenant');
    const early = companyCreated(tenantId, 'Early');
    const late = companyCreated(tenantId, 'Late');
    const doc = await AggregateModel.create({ tenantId, outbox: [early] });
    const reader = await readTopics([topics.company]);
    let pushed = false;
    const relay = createOutboxRelay({
      models: [AggregateModel],
      publisher,
      logger,
      afterPublish: async () => {
        if (pushed) return;
        pushed = true;
        await AggregateModel.updateOne({ _id: doc._id }, withEvents({}, late));
      },
    });
    try {
      await relay.flush();
      const stored = await AggregateModel.findById(doc._id).lean();
      // Only what was published left the outbox; the late event is still pending.
      expect(stored?.outbox.map((e) => e.id)).toEqual([late.id]);
      expect(stored?.outboxPending).toBe(true);
      await relay.flush();
      await reader.waitFor((m) => m.event?.id === late.id, 'the late event');
      const drained = await AggregateModel.findById(doc._id).lean();
      expect(drained?.outbox).toEqual([]);
      expect(drained?.outboxPending).toBe(false);
    } finally {
      await relay.stop();
      await reader.close();
    }
  });

  it('publishes a burst in batches: every event once, in order per aggregate, every mark cleared', async () => {
    const tenantId = uniqueId('tenant');
    // 120 aggregates, some with two writes (two versions), so a batch holds several versions.
    const docs = await AggregateModel.insertMany(
      Array.from({ length: 120 }, (_, i) => ({ tenantId, name: `n${i}`, outbox: [companyCreated(tenantId, `C${i}`)], outboxPending: true, outboxVersion: 1 })),
    );
    const seconds = new Map<string, string>();
    for (const doc of docs.filter((_, i) => i % 3 === 0)) {
      const event = { ...companyCreated(tenantId, 'Second'), aggregateId: doc.outbox[0]!.aggregateId };
      seconds.set(String(doc._id), event.id);
      await AggregateModel.updateOne({ _id: doc._id }, withEvents({ $set: { name: 'moved' } }, event));
    }
    const expected = docs.length + seconds.size;
    const reader = await readTopics([topics.company]);
    const batches: number[] = [];
    const relay = createOutboxRelay({ models: [AggregateModel], publisher, logger, batchSize: 50, afterPublish: (events) => void batches.push(events.length) });
    try {
      expect(await relay.flush()).toBeGreaterThanOrEqual(expected);
      // 120 documents at 50 per batch: at least 3 produce requests, none larger than 50 documents' events.
      expect(batches.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...batches)).toBeLessThanOrEqual(100);
      const ours = () => reader.messages.filter((m) => m.event?.tenantId === tenantId);
      await reader.waitFor(() => ours().length >= expected, `${expected} events`);
      expect(new Set(ours().map((m) => m.event!.id)).size).toBe(expected);
      for (const doc of docs.filter((doc) => seconds.has(String(doc._id)))) {
        // Per aggregate (one key, one partition), the first write's event is published before the second's.
        const keyed = ours().filter((m) => m.key === doc.outbox[0]!.aggregateId);
        expect(keyed.findIndex((m) => m.event?.id === doc.outbox[0]!.id)).toBeLessThan(keyed.findIndex((m) => m.event?.id === seconds.get(String(doc._id))));
      }
      expect(await AggregateModel.countDocuments({ tenantId, outboxPending: true })).toBe(0);
      expect(await AggregateModel.countDocuments({ tenantId, 'outbox.0': { $exists: true } })).toBe(0);
    } finally {
      await relay.stop();
      await reader.close();
    }
  });

  it('marks a document pending on save and on every write with events, and counts its versions', async () => {
    const tenantId = uniqueId('tenant');
    const plain = await AggregateModel.create({ tenantId, name: 'no events' });
    expect(plain.outboxPending).toBe(false);
    const doc = await AggregateModel.create({ tenantId, outbox: [companyCreated(tenantId)] });
    expect(doc.outboxPending).toBe(true);
    expect(doc.outboxVersion).toBe(1);
    await AggregateModel.updateOne({ _id: doc._id }, withEvents({}, companyCreated(tenantId)));
    const stored = await AggregateModel.findById(doc._id).lean();
    expect(stored).toMatchObject({ outboxPending: true, outboxVersion: 2 });
    expect(stored?.outbox).toHaveLength(2);
    await AggregateModel.deleteMany({ tenantId });
  });

  it('publishes events of documents marked the former way (an outboxAt date) after an upgrade', async () => {
    const tenantId = uniqueId('tenant');
    const event = companyCreated(tenantId, 'Legacy');
    const { insertedId } = await AggregateModel.collection.insertOne({ tenantId, outbox: [event], outboxAt: new Date() });
    const reader = await readTopics([topics.company]);
    const relay = createOutboxRelay({ models: [AggregateModel], publisher, logger });
    try {
      await migrateOutboxMarks([AggregateModel]);
      await relay.flush();
      await reader.waitFor((m) => m.event?.id === event.id, 'the legacy event');
      const stored = await AggregateModel.collection.findOne({ _id: insertedId });
      expect(stored).toMatchObject({ outbox: [], outboxPending: false });
      expect(stored).not.toHaveProperty('outboxAt');
    } finally {
      await relay.stop();
      await reader.close();
    }
  });

  it('keeps events when the broker is unreachable', async () => {
    const tenantId = uniqueId('tenant');
    const doc = await AggregateModel.create({ tenantId, outbox: [companyCreated(tenantId)] });
    // A real client pointed at a port where no broker listens.
    const down = createKafkaPublisher(unreachableKafka());
    const relay = createOutboxRelay({ models: [AggregateModel], publisher: down, logger });
    await expect(relay.flush()).rejects.toThrow();
    expect((await AggregateModel.findById(doc._id).lean())?.outbox).toHaveLength(1);
    await AggregateModel.deleteOne({ _id: doc._id });
  });
});
