import { CompanyCreated, createEvent, topics } from '@crm/events';
import pino from 'pino';
import { createConsumerRunner, on, type ConsumerRunner } from '../src';
import { offsetCommits, type Offsets } from '../src/offset-commits';
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

/** A new runner of `groupId` that has handled one new event of this file (published once it runs). */
async function handledOne(groupId: string, commitIntervalMs: number, name: string, options: { idempotent?: boolean; companyId?: string } = {}) {
  const handled = new Set<string>();
  const runner = await startRunner(groupId, commitIntervalMs, handled, options.idempotent);
  const message = await publish(name, options.companyId);
  await waitFor(() => handled.has(message.id), { what: `${name} handled` });
  return { runner, message, handled };
}

describe('offset commits', () => {
  it('are held back within the interval after a batch is handled, and stop() commits what was handled', async () => {
    const groupId = uniqueId('commits-held');
    const { runner, message } = await handledOne(groupId, 60_000, 'Held back');
    // kafkajs's own way committed as the batch returned; give that ample time to show.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await committedPast(groupId, message)).toBe(false);

    await runner.stop();
    expect(await committedPast(groupId, message)).toBe(true);
  });

  it('a quiet consumer commits what it handled within its interval, without another batch', async () => {
    const groupId = uniqueId('commits-quiet');
    const { message } = await handledOne(groupId, 300, 'Quiet after');
    await waitFor(() => committedPast(groupId, message), { what: 'the offset committed by the timer', timeoutMs: 30_000 });
  });

  it('a group restarted after stop() resumes after what it handled: nothing comes again', async () => {
    const groupId = uniqueId('commits-resume');
    const first = await handledOne(groupId, 60_000, 'Before the restart', { idempotent: true });
    await first.runner.stop();
    // The same company: on the partition of the first event, after it.
    const second = await handledOne(groupId, 60_000, 'After the restart', { idempotent: true, companyId: first.message.key! });
    expect(second.handled.has(first.message.id)).toBe(false);
  });

  it('with an interval of 0 commits after every batch, as kafkajs does', async () => {
    const groupId = uniqueId('commits-each');
    const { message } = await handledOne(groupId, 0, 'Each batch');
    await waitFor(() => committedPast(groupId, message), { what: 'the offset committed with its batch', timeoutMs: 30_000 });
  });
});

describe('offset commits, the pending offsets alone', () => {
  const silent = pino({ level: 'silent' });

  it('keeps a failed commit for the next flush, unless a later offset of its partition came meanwhile', async () => {
    const commits = offsetCommits(60_000, silent);
    const sent: Offsets[] = [];
    let fail = true;
    const commit = async (offsets: Offsets) => {
      sent.push(offsets);
      if (!fail) return;
      commits.handled('t', 1, '25'); // handled while the commit was under way
      throw new Error('the coordinator is loading');
    };
    commits.handled('t', 0, '10');
    commits.handled('t', 1, '20');
    await commits.flush(commit);
    fail = false;
    await commits.flush(commit);
    expect(sent).toEqual([
      [
        { topic: 't', partition: 0, offset: '11' },
        { topic: 't', partition: 1, offset: '21' },
      ],
      [
        { topic: 't', partition: 1, offset: '26' },
        { topic: 't', partition: 0, offset: '11' },
      ],
    ]);
    await commits.flush(commit);
    expect(sent).toHaveLength(2); // nothing left
  });

  it('forgets what a former member failed to commit once reset', async () => {
    const commits = offsetCommits(60_000, silent);
    const sent: Offsets[] = [];
    commits.handled('t', 0, '10');
    await commits.flush(async (offsets) => {
      sent.push(offsets);
      commits.reset(); // the consumer restarted while the commit was under way
      throw new Error('unknown member');
    });
    await commits.flush(async (offsets) => void sent.push(offsets));
    expect(sent).toEqual([[{ topic: 't', partition: 0, offset: '11' }]]);
  });
});
