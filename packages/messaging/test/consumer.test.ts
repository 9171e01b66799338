import { CompanyCreated, createEvent, ErpOrderPlaced, LeadReceived, topics, type Envelope } from '@crm/events';
import pino from 'pino';
import { createConsumerRunner, on, PermanentEventError, ProcessedEventModel, type ConsumerRunner } from '../src';
import { createTestProducer, readTopics, testKafka, uniqueId, waitFor, type ReadMessage, type TopicReader } from '../src/testing';
import { catalogueWithV2, companyCreated, CompanyCreatedV2, connectTestDb, dropTestDb } from './setup';

const logger = pino({ level: 'silent' });
const kafka = testKafka();
const producer = createTestProducer(kafka);
const tenantId = uniqueId('tenant');
const groupId = uniqueId('consumer-test');
const v2GroupId = uniqueId('consumer-test-v2');
const handled: { data: unknown; event: Envelope }[] = [];
const handledV2: { data: unknown; event: Envelope }[] = [];
let failuresLeft = 0;
let runs = 0;
let runners: ConsumerRunner[] = [];
let dlq: TopicReader;

beforeAll(async () => {
  await connectTestDb();
  dlq = await readTopics([topics.deadLetter], kafka);
  runners = [
    // Reads CompanyCreated v1: a v2 (newer) is parked, never read with the v1 schema.
    createConsumerRunner({
      kafka,
      groupId,
      startFrom: 'latest',
      logger,
      catalogue: catalogueWithV2,
      retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
      handlers: [
        on(CompanyCreated, async (data, event) => {
          if (event.tenantId !== tenantId) return; // the topic holds other tests' events too
          if (data.name === 'Never') throw new PermanentEventError('this company can never be imported');
          if (data.name === 'Flaky' && failuresLeft-- > 0) throw new Error('transient failure');
          if (data.name === 'Always failing') {
            runs += 1;
            throw new Error('the read model refuses it');
          }
          handled.push({ data, event });
        }),
      ],
    }),
    // Reads v2: a v1 is upcast by the catalogue.
    createConsumerRunner({
      kafka,
      groupId: v2GroupId,
      startFrom: 'latest',
      logger,
      catalogue: catalogueWithV2,
      handlers: [
        on(CompanyCreatedV2, async (data, event) => {
          if (event.tenantId === tenantId) handledV2.push({ data, event });
        }),
      ],
    }),
  ];
  await Promise.all(runners.map((runner) => runner.start()));
});
afterAll(async () => {
  await Promise.all(runners.map((runner) => runner.stop()));
  await producer.close();
  await dlq.close();
  await dropTestDb();
});

const raw = (event: unknown) => ({ key: (event as Envelope).aggregateId ?? null, value: JSON.stringify(event) });
/** Services under test in other workspaces consume these topics too and park the same messages: look for ours. */
const parkedBy = (consumer: string, key: string) => (m: ReadMessage) => m.key === key && m.headers['dlq-consumer'] === consumer;
const handledIds = () => handled.map(({ event }) => event.id);

describe('typed consumer', () => {
  it('hands the handler the validated, typed data with its envelope', async () => {
    const event = { ...companyCreated(tenantId, 'Typed'), correlationId: 'corr-1' };
    await producer.send(event);
    await waitFor(() => handledIds().includes(event.id), { what: 'the typed event' });
    expect(handled.find((h) => h.event.id === event.id)).toEqual({ data: event.data, event: { ...event, data: event.data } });
  });

  it('handles an event once even when it is delivered twice', async () => {
    const event = companyCreated(tenantId, 'Twice');
    await producer.send(event, event);
    // On the duplicate's key, so in its partition and behind both copies (other keys may be handled first).
    const after = { ...companyCreated(tenantId, 'After'), aggregateId: event.aggregateId };
    await producer.send(after);
    await waitFor(() => handledIds().includes(after.id), { what: 'the event after the duplicate' });
    expect(handledIds().filter((id) => id === event.id)).toHaveLength(1);
    expect(await ProcessedEventModel.findById(`${groupId}:${event.id}`).lean()).toMatchObject({ tenantId, day: new Date().toISOString().slice(0, 10) });
  });

  it('skips events recorded as processed before their batch arrives, and records each new one once', async () => {
    const seen = companyCreated(tenantId, 'Seen before');
    await ProcessedEventModel.create({ _id: `${groupId}:${seen.id}`, tenantId, consumer: groupId, eventId: seen.id, eventType: seen.type, processedAt: new Date() });
    const fresh = Array.from({ length: 5 }, (_, i) => companyCreated(tenantId, `Fresh ${i}`));
    // One send, so one batch as a rule: the repeat of fresh[0] sits in the same batch as its first copy.
    await producer.send(seen, ...fresh, fresh[0]!);
    await waitFor(() => handledIds().includes(fresh.at(-1)!.id), { what: 'the last fresh event' });
    await waitFor(async () => (await ProcessedEventModel.countDocuments({ _id: { $in: fresh.map((e) => `${groupId}:${e.id}`) } })) === fresh.length, {
      what: 'the fresh events recorded',
    });
    expect(handledIds()).not.toContain(seen.id);
    for (const event of fresh) expect(handledIds().filter((id) => id === event.id)).toHaveLength(1);
  });

  it('retries a transient handler failure in place', async () => {
    failuresLeft = 2;
    const event = companyCreated(tenantId, 'Flaky');
    await producer.send(event);
    await waitFor(() => handledIds().includes(event.id), { what: 'the flaky event' });
    expect(failuresLeft).toBeLessThan(0);
  });

  it('parks an event whose handler keeps failing after the configured attempts, with the reason, the consumer and the attempts, and goes on', async () => {
    const failing = companyCreated(tenantId, 'Always failing');
    const next = companyCreated(tenantId, 'After the failing one');
    await producer.send(failing, next);
    const parked = await dlq.waitFor(parkedBy(groupId, failing.aggregateId), 'the failing event parked');
    expect(parked.headers).toMatchObject({
      'dlq-reason': 'handler failed 3 times: the read model refuses it',
      'dlq-consumer': groupId,
      'dlq-attempts': '3',
      'dlq-source-topic': topics.company,
      'event-type': 'CompanyCreated',
    });
    expect(JSON.parse(parked.value!)).toEqual(failing);
    await waitFor(() => handledIds().includes(next.id), { what: 'the event behind the failing one' });
    expect(runs).toBe(3);
    expect(await ProcessedEventModel.exists({ _id: `${groupId}:${failing.id}` })).toBeNull();
  });

  it('parks poison messages in the dead-letter topic with the reason and carries on', async () => {
    const garbageKey = uniqueId('garbage');
    const invalid = { ...companyCreated(tenantId, 'Broken'), data: { companyId: 'x' } };
    const permanent = companyCreated(tenantId, 'Never');
    const next = companyCreated(tenantId, 'Next');
    await producer.sendRaw(topics.company, { key: garbageKey, value: 'this is not JSON' }, raw(invalid), raw(permanent), raw(next));
    const garbage = await dlq.waitFor(parkedBy(groupId, garbageKey));
    expect(garbage.headers['dlq-reason']).toMatch(/unparseable/);
    expect(garbage.headers['dlq-source-topic']).toBe(topics.company);
    expect(garbage.value).toBe('this is not JSON');
    expect((await dlq.waitFor(parkedBy(groupId, invalid.aggregateId))).headers['dlq-reason']).toMatch(/invalid CompanyCreated v1 data: name/);
    const never = await dlq.waitFor(parkedBy(groupId, permanent.aggregateId));
    expect(never.headers).toMatchObject({ 'dlq-reason': 'this company can never be imported', 'dlq-attempts': '1' });
    await waitFor(() => handledIds().includes(next.id), { what: 'the event after the poison ones' });
  });

  it("passes over a message whose event-type header names another consumer's type without reading it", async () => {
    const key = uniqueId('others');
    // Unreadable: a consumer that read it would park it, as it parks the one without the header.
    await producer.sendRaw(topics.company, { key, value: 'not JSON either', headers: { 'event-type': 'CompanyUpdated' } }, { key, value: 'this is not JSON' });
    const parked = await dlq.waitFor(parkedBy(groupId, key), 'the message without the header parked');
    expect(parked.value).toBe('this is not JSON');
    expect(dlq.messages.filter(parkedBy(groupId, key)).map((message) => message.value)).toEqual(['this is not JSON']);
  });

  it('parks an event whose source does not own the topic it came on', async () => {
    const forged = { ...companyCreated(tenantId, 'Forged'), source: 'deals' };
    await producer.sendRaw(topics.company, raw(forged));
    const parked = await dlq.waitFor(parkedBy(groupId, forged.aggregateId), 'the forged event parked');
    expect(parked.headers['dlq-reason']).toBe(`CompanyCreated from source deals on ${topics.company}, which only contacts publishes on`);
    expect(handledIds()).not.toContain(forged.id);
  });
});

describe('events on a topic that is not their type\'s', () => {
  const topicsGroup = uniqueId('consumer-test-topics');
  const seenHere: string[] = [];
  let runner: ConsumerRunner;
  beforeAll(async () => {
    // A consumer of the deals' deal topic too (as a service reading several topics is), and of the external topics.
    runner = createConsumerRunner({
      kafka,
      groupId: topicsGroup,
      startFrom: 'latest',
      logger,
      topics: [topics.company, topics.deal, topics.erpOrders, topics.inboundLeads],
      handlers: [CompanyCreated, ErpOrderPlaced, LeadReceived].map((definition) =>
        on(definition, async (_data, event) => {
          if (event.tenantId === tenantId) seenHere.push(event.id);
        }),
      ),
    });
    await runner.start();
  });
  afterAll(() => runner.stop());

  it("parks a type passed off by a topic's owner as its own, and reads the external topics' events", async () => {
    // deals owns crm.deals.deal, but CompanyCreated is the contacts' type, published on crm.contacts.company.
    const forged = { ...companyCreated(tenantId, 'Passed off'), source: 'deals' };
    await producer.sendRaw(topics.deal, raw(forged));
    const order = createEvent(ErpOrderPlaced, { tenantId, aggregateId: uniqueId('SO') }, ErpOrderPlaced.example as never);
    const lead = createEvent(LeadReceived, { tenantId, aggregateId: uniqueId('lead') }, LeadReceived.example as never);
    await producer.send(order, lead);
    const parked = await dlq.waitFor(parkedBy(topicsGroup, forged.aggregateId), 'the passed-off event parked');
    expect(parked.headers['dlq-reason']).toBe(`CompanyCreated is published by contacts on ${topics.company}, not by deals on ${topics.deal}`);
    await waitFor(() => seenHere.includes(order.id) && seenHere.includes(lead.id), { what: 'the ERP order and the inbound lead handled' });
    expect(seenHere).not.toContain(forged.id);
  });
});

describe('event versions', () => {
  const v2Of = (event: ReturnType<typeof companyCreated>, domains = ['acme.com', 'acme.de']) => ({
    ...event,
    version: 2,
    data: { companyId: event.data.companyId, name: event.data.name, domains },
  });

  it('upcasts an older version to the one the handler reads', async () => {
    const v1 = { ...companyCreated(tenantId, 'Old'), data: { ...companyCreated(tenantId).data, name: 'Old', domain: 'old.example' } };
    await producer.send(v1);
    const seen = await waitFor(() => handledV2.find((h) => h.event.id === v1.id), { what: 'the upcast event' });
    expect(seen.data).toEqual({ companyId: v1.data.companyId, name: 'Old', domains: ['old.example'] });
    expect(seen.event.version).toBe(1);
  });

  it('parks a newer version a consumer does not know, and one the catalogue does not know, with the reason', async () => {
    const newer = v2Of(companyCreated(tenantId, 'Newer'));
    const unknown = { ...v2Of(companyCreated(tenantId, 'Unknown')), version: 3 };
    await producer.sendRaw(topics.company, raw(newer), raw(unknown));
    expect((await dlq.waitFor(parkedBy(groupId, newer.aggregateId))).headers['dlq-reason']).toBe('CompanyCreated v2 is newer than v1, the version read here');
    expect((await dlq.waitFor(parkedBy(groupId, unknown.aggregateId))).headers['dlq-reason']).toBe('CompanyCreated v3 is newer than v1, the version read here');
    expect((await dlq.waitFor(parkedBy(v2GroupId, unknown.aggregateId))).headers['dlq-reason']).toBe('CompanyCreated v3 is newer than v2, the version read here');
    // The v2 consumer read the v2 event with the v2 schema.
    const seen = await waitFor(() => handledV2.find((h) => h.event.id === newer.id), { what: 'the v2 event read as v2' });
    expect(seen.data).toEqual(newer.data);
    expect(handledIds()).not.toContain(newer.id);
  });

  it('handles an event published in two versions (one id) once', async () => {
    const v1 = companyCreated(tenantId, 'Both versions');
    const v2 = v2Of(v1, []);
    await producer.sendRaw(topics.company, raw(v1), raw(v2));
    // On the same key, so in the same partition, behind both versions.
    const marker = { ...companyCreated(tenantId, 'Marker'), aggregateId: v1.aggregateId };
    await producer.send(marker);
    await waitFor(() => handledV2.some((h) => h.event.id === marker.id), { what: 'the marker behind both versions' });
    expect(handledV2.filter((h) => h.event.id === v1.id)).toHaveLength(1);
  });

  it('refuses a consumer that declares two versions of one type', () => {
    expect(() =>
      createConsumerRunner({ kafka, groupId: 'x', logger, handlers: [on(CompanyCreated, async () => undefined), on(CompanyCreatedV2, async () => undefined)] }),
    ).toThrow('consumer x handles CompanyCreated twice (v1 and v2): one version per type');
  });
});

describe('idempotent consumers', () => {
  const idempotentGroup = uniqueId('consumer-test-idempotent');
  const seenHere: string[] = [];
  let runner: ConsumerRunner;
  beforeAll(async () => {
    runner = createConsumerRunner({
      kafka,
      groupId: idempotentGroup,
      startFrom: 'latest',
      logger,
      idempotent: true,
      handlers: [
        on(CompanyCreated, async (_data, event) => {
          if (event.tenantId === tenantId) seenHere.push(event.id);
        }),
      ],
    });
    await runner.start();
  });
  afterAll(() => runner.stop());

  it('handles an event again without looking up its record first, a repeat within one batch once, and records what it handled', async () => {
    const recorded = companyCreated(tenantId, 'Recorded before');
    await ProcessedEventModel.create({ _id: `${idempotentGroup}:${recorded.id}`, tenantId, consumer: idempotentGroup, eventId: recorded.id, eventType: recorded.type, processedAt: new Date() });
    const fresh = companyCreated(tenantId, 'Fresh for an idempotent consumer');
    // One send: the repeat of `fresh` (same key, same partition) comes in its first copy's batch as a rule.
    await producer.send(recorded, fresh, fresh);
    await waitFor(() => seenHere.includes(recorded.id) && seenHere.includes(fresh.id), { what: 'both events handled' });
    expect(seenHere.filter((id) => id === recorded.id)).toHaveLength(1);
    expect(seenHere.filter((id) => id === fresh.id)).toHaveLength(1);
    await waitFor(() => ProcessedEventModel.exists({ _id: `${idempotentGroup}:${fresh.id}` }), { what: 'the fresh event recorded' });
  });
});
