import type { Envelope } from '@crm/events';
import { topics } from '@crm/events';
import { readTopics, testKafka, uniqueId, waitFor } from '@crm/testing';
import pino from 'pino';
import { createConsumerRunner, PermanentEventError, ProcessedEventModel, toMessage, type ConsumerRunner } from '../src';
import { companyCreated, connectTestDb, dropTestDb } from './setup';

const logger = pino({ level: 'silent' });
const kafka = testKafka();
const producer = kafka.producer();
const tenantId = uniqueId('tenant');
const groupId = uniqueId('consumer-test');
const handled: Envelope[] = [];
let failuresLeft = 0;
let runner: ConsumerRunner;

beforeAll(async () => {
  await connectTestDb();
  await producer.connect();
  runner = createConsumerRunner({
    kafka,
    groupId,
    topics: [topics.company],
    startFrom: 'latest',
    logger,
    handlers: {
      CompanyCreated: async (event) => {
        if (event.tenantId !== tenantId) return; // the topic holds other tests' events too
        if (event.data.name === 'Never') throw new PermanentEventError('this company can never be imported');
        if (event.data.name === 'Flaky' && failuresLeft-- > 0) throw new Error('transient failure');
        handled.push(event);
      },
    },
  });
  await runner.start();
});
afterAll(async () => {
  await runner.stop();
  await producer.disconnect();
  await dropTestDb();
});

const send = (messages: { key: string; value: string }[]) => producer.send({ topic: topics.company, messages });

describe('idempotent consumer', () => {
  it('handles an event once even when it is delivered twice', async () => {
    const event = companyCreated(tenantId, 'Twice');
    await send([toMessage(event) as { key: string; value: string }, toMessage(event) as { key: string; value: string }]);
    const after = companyCreated(tenantId, 'After');
    await send([toMessage(after) as { key: string; value: string }]);
    await waitFor(() => handled.some((e) => e.id === after.id), { what: 'the event after the duplicate' });
    expect(handled.filter((e) => e.id === event.id)).toHaveLength(1);
    expect(await ProcessedEventModel.exists({ _id: `${groupId}:${event.id}`, tenantId })).toBeTruthy();
  });

  it('skips events recorded as processed before their batch arrives, and records each new one once', async () => {
    const seen = companyCreated(tenantId, 'Seen before');
    await ProcessedEventModel.create({ _id: `${groupId}:${seen.id}`, tenantId, consumer: groupId, eventId: seen.id, eventType: seen.type, processedAt: new Date() });
    const fresh = Array.from({ length: 5 }, (_, i) => companyCreated(tenantId, `Fresh ${i}`));
    const message = (event: Envelope) => toMessage(event) as { key: string; value: string };
    // One send, so one batch as a rule: the repeat of fresh[0] sits in the same batch as its first copy.
    await send([message(seen), ...fresh.map(message), message(fresh[0]!)]);
    const last = fresh.at(-1)!;
    await waitFor(() => handled.some((e) => e.id === last.id), { what: 'the last fresh event' });
    await waitFor(async () => (await ProcessedEventModel.countDocuments({ _id: { $in: fresh.map((e) => `${groupId}:${e.id}`) } })) === fresh.length, {
      what: 'the fresh events recorded',
    });
    expect(handled.filter((e) => e.id === seen.id)).toHaveLength(0);
    for (const event of fresh) expect(handled.filter((e) => e.id === event.id)).toHaveLength(1);
  });

  it('retries a transient handler failure in place', async () => {
    failuresLeft = 2;
    const event = companyCreated(tenantId, 'Flaky');
    await send([toMessage(event) as { key: string; value: string }]);
    await waitFor(() => handled.some((e) => e.id === event.id), { what: 'the flaky event' });
    expect(failuresLeft).toBeLessThan(0);
  });

  it('parks poison messages in the dead-letter topic with the reason and carries on', async () => {
    const dlq = await readTopics([topics.deadLetter]);
    try {
      const garbageKey = uniqueId('garbage');
      const invalid = { ...companyCreated(tenantId, 'Broken'), data: { companyId: 'x' } };
      const permanent = companyCreated(tenantId, 'Never');
      const next = companyCreated(tenantId, 'Next');
      await send([
        { key: garbageKey, value: 'this is not JSON' },
        { key: invalid.aggregateId, value: JSON.stringify(invalid) },
        toMessage(permanent) as { key: string; value: string },
        toMessage(next) as { key: string; value: string },
      ]);
      // Services under test in other workspaces consume this topic too and park the same messages.
      const ours = (key: string) => (m: { key: string | null; headers: Record<string, string> }) => m.key === key && m.headers['dlq-consumer'] === groupId;
      const garbage = await dlq.waitFor(ours(garbageKey));
      expect(garbage.headers['dlq-reason']).toMatch(/unparseable/);
      expect(garbage.headers['dlq-consumer']).toBe(groupId);
      expect(garbage.headers['dlq-source-topic']).toBe(topics.company);
      expect(garbage.value).toBe('this is not JSON');
      const broken = await dlq.waitFor(ours(invalid.aggregateId));
      expect(broken.headers['dlq-reason']).toMatch(/invalid CompanyCreated v1 data: name/);
      const never = await dlq.waitFor(ours(permanent.aggregateId));
      expect(never.headers['dlq-reason']).toBe('this company can never be imported');
      await waitFor(() => handled.some((e) => e.id === next.id), { what: 'the event after the poison ones' });
    } finally {
      await dlq.close();
    }
  });
});
