import { CompanyCreated, createEvent, topics } from '@crm/events';
import pino from 'pino';
import { createConsumerRunner, on, type ConsumerRunner } from '../src';
import { createTestProducer, readTopics, testKafka, uniqueId, waitFor, type ReadMessage, type TopicReader } from '../src/testing';
import { connectTestDb, dropTestDb } from './setup';

// Handled offsets are committed at most every commitIntervalMs (offset-commits.ts), not after
// every fetched batch: checked against the offsets the broker holds for the group.
const logger = pino({ level: 'silent' });
const kafka = testKafka();
const admin = kafka.admin();
const producer = createTestProducer(kafka);
const tenantId = uniqueId('tenant');
let reader: TopicReader;
const runners: ConsumerRunner[] = [];

beforeAll(async () => {
  await connectTestDb();
  await admin.connect();
  reader = await readTopics([topics.company], kafka);
});
afterAll(async () => {
  await Promise.all(runners.map((runner) => runner.stop()));
  await admin.disconnect();
  await producer.close();
  await reader.close();
  await dropTestDb();
});

/**
 * A runner of a new group on the companies topic that records the ids of this file's events it
 * handled. `idempotent`: no look-up of processed records, so an event delivered again reaches the handler.
 */
async function startRunner(groupId: string, commitIntervalMs: number, handled: Set<string>, idempotent = false): Promise<ConsumerRunner> {
  const runner = createConsumerRunner({
    kafka,
    groupId,
    startFrom: 'latest',
    logger,
    commitIntervalMs,
    idempotent,
    handlers: [
      on(CompanyCreated, async (_data, event) => {
        if (event.tenantId === tenantId) handled.add(event.id);
      }),
    ],
  });
  runners.push(runner);
  await runner.start();
  return runner;
}

/** Publishes a company event (the same company's events share a partition, in order); answers where it landed. */
async function publish(name: string, companyId = uniqueId('company')): Promise<ReadMessage & { id: string }> {
  const event = createEvent(CompanyCreated, { tenantId, aggregateId: companyId }, { companyId, name });
  await producer.send(event);
  const message = await reader.waitFor((m) => m.event?.id === event.id, name);
  return { ...message, id: event.id };
}

/** Whether the group's committed offset on the message's partition is past it (the group resumes after it). */
async function committedPast(groupId: string, message: ReadMessage): Promise<boolean> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [message.topic] });
  const committed = offsets?.partitions.find(({ partition }) => partition === message.partition)?.offset ?? '-1';
  return BigInt(committed) > BigInt(message.offset);
}

describe('offset commits', () => {
  it('are held back within the interval after a batch is handled, and stop() commits what was handled', async () => {
    const groupId = uniqueId('commits-held');
    const handled = new Set<string>();
    const runner = await startRunner(groupId, 60_000, handled);
    const message = await publish('Held back');
    await waitFor(() => handled.has(message.id), { what: 'the event handled' });
    // kafkajs's own way committed as the batch returned; give that ample time to show.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await committedPast(groupId, message)).toBe(false);

    await runner.stop();
    expect(await committedPast(groupId, message)).toBe(true);
  });

  it('a quiet consumer commits what it handled within its interval, without another batch', async () => {
    const groupId = uniqueId('commits-quiet');
    const handled = new Set<string>();
    await startRunner(groupId, 300, handled);
    const message = await publish('Quiet after');
    await waitFor(() => handled.has(message.id), { what: 'the event handled' });
    await waitFor(() => committedPast(groupId, message), { what: 'the offset committed by the timer', timeoutMs: 10_000 });
  });

  it('a group restarted after stop() resumes after what it handled: nothing comes again', async () => {
    const groupId = uniqueId('commits-resume');
    const first = new Set<string>();
    const runner = await startRunner(groupId, 60_000, first, true);
    const handledBefore = await publish('Before the restart');
    await waitFor(() => first.has(handledBefore.id), { what: 'the first event handled' });
    await runner.stop();
    const second = new Set<string>();
    await startRunner(groupId, 60_000, second, true);
    // The same company: on the partition of the first event, after it.
    const after = await publish('After the restart', handledBefore.key!);
    await waitFor(() => second.has(after.id), { what: 'the second event handled by the new runner' });
    expect(second.has(handledBefore.id)).toBe(false);
  });

  it('with an interval of 0 commits after every batch, as kafkajs does', async () => {
    const groupId = uniqueId('commits-each');
    const handled = new Set<string>();
    await startRunner(groupId, 0, handled);
    const message = await publish('Each batch');
    await waitFor(() => handled.has(message.id), { what: 'the event handled' });
    await waitFor(() => committedPast(groupId, message), { what: 'the offset committed with its batch', timeoutMs: 5_000 });
  });
});
