import { createEvent, DealStageChanged, topics } from '@crm/events';
import { readTopics, testKafka, waitFor, type ReadMessage, type TopicReader } from '@crm/messaging/testing';
import { startStack, type Stack } from '@crm/testing';
import { crmUser, STAGES } from '../src/crm';
import { printFigures } from '../src/figures';
import { ReadModels } from '../src/read-models';
import { readWholeTopics } from '../src/topic-log';
import { Writes } from '../src/workload';

/** The consumers of crm.deals.deal: each must park both messages and go on. */
const CONSUMERS = ['activities.deal-stage-tasks', 'analytics.funnel'];

let stack: Stack;
let models: ReadModels;
let deadLetters: TopicReader | undefined;
beforeAll(async () => {
  stack = await startStack();
  models = await ReadModels.open(stack);
}, 120_000);
afterAll(async () => {
  await deadLetters?.close();
  await models?.close();
  await stack?.stop();
}, 60_000);

describe('a poison message and an unknown event version', () => {
  it('are parked in the dead-letter topic with their reason, and the consumers go on with the next event', async () => {
    const user = crmUser(stack);
    const writes = new Writes(user, await user.createPipeline('Poison pipeline'));
    await writes.knownCompany('Ion');
    const [dealId, deal] = [...writes.deals][0]!;
    deadLetters = await readTopics([topics.deadLetter]);

    // Keyed by the deal like its real events: same partition, so the good move comes after both.
    const poison = `{"id": "not json at all`;
    const stage = (position: number) => ({ id: writes.pipeline.stageIds[position]!, name: STAGES[position]!, position });
    // A version no consumer knows, whose data would pass the v1 schema: it must not be handled as v1.
    const unknownVersion = {
      ...createEvent(
        DealStageChanged,
        { tenantId: user.tenantId, aggregateId: dealId, actorId: user.identity.userId },
        { dealId, title: 'Ion first deal', pipelineId: writes.pipeline.id, ownerId: user.identity.userId, fromStage: stage(0), toStage: stage(3), movedBy: user.identity.userId },
      ),
      version: 99,
    };
    const producer = testKafka().producer();
    await producer.connect();
    try {
      await producer.send({
        topic: topics.deal,
        acks: -1,
        messages: [
          { key: dealId, value: poison, headers: { 'event-type': 'DealStageChanged', 'tenant-id': user.tenantId } },
          {
            key: dealId,
            value: JSON.stringify(unknownVersion),
            headers: { 'event-type': 'DealStageChanged', 'event-version': '99', 'tenant-id': user.tenantId },
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    expect(await writes.moveDeal(dealId, 0)).toBe(true); // to stage 1: the good event after both
    expect(deal.position).toBe(1);

    // The good event is applied by both consumers...
    const task = await waitFor(async () => (await models.stageTasks(user.tenantId)).find((t) => t.dealId === dealId && t.subject.startsWith('Stage Meeting')), {
      timeoutMs: 30_000,
      what: 'the stage task of the good event',
    }).catch(() => undefined);
    const counted = await waitFor(async () => (await models.dealProgress(user.tenantId)).find((fact) => fact._id === dealId && fact.counted === 1), {
      timeoutMs: 30_000,
      what: 'the funnel to count the good event',
    }).catch(() => undefined);
    // ...and both bad messages are parked by each, with a reason.
    const parked = (consumer: string, match: (message: ReadMessage) => boolean) =>
      deadLetters!.messages.find((message) => message.headers['dlq-consumer']?.startsWith(consumer) && match(message));
    const isPoison = (message: ReadMessage) => message.value === poison;
    const isUnknownVersion = (message: ReadMessage) => message.event?.id === unknownVersion.id;
    await waitFor(() => CONSUMERS.every((consumer) => parked(consumer, isPoison) && parked(consumer, isUnknownVersion)), {
      timeoutMs: 30_000,
      what: 'both messages parked by both consumers',
    }).catch((error: Error) => console.error(error.message));

    const facts = await models.dealProgress(user.tenantId);
    const tasksOfUnknown = (await models.stageTasks(user.tenantId)).filter((t) => t.sourceEventId === unknownVersion.id);
    const log = (await readWholeTopics([topics.deal])).filter(({ event }) => event?.aggregateId === dealId);
    const good = log.find(({ event }) => event.type === 'DealStageChanged' && event.version === 1);
    const bad = log.find(({ event }) => event.id === unknownVersion.id);
    const reason = (consumer: string, match: (message: ReadMessage) => boolean) => parked(consumer, match)?.headers['dlq-reason'] ?? 'not parked';
    printFigures('Fault: a poison message and an unknown event version on crm.deals.deal', [
      ...CONSUMERS.flatMap((consumer) => [
        [`${consumer}: poison`, reason(consumer, isPoison)],
        [`${consumer}: DealStageChanged v99`, reason(consumer, isUnknownVersion)],
      ]) as [string, string][],
      ['v99 at / good v1 event at (partition:offset)', `${bad?.partition}:${bad?.offset} / ${good?.partition}:${good?.offset}`],
      ['good event applied: stage task / funnel', `${task ? 'yes' : 'no'} / ${counted ? 'yes' : 'no'}`],
      ['tasks made from the v99 event', tasksOfUnknown.length],
      ['deal furthest stage in the funnel (expected 1)', facts.find((fact) => fact._id === dealId)?.maxPosition ?? '-'],
    ]);

    for (const consumer of CONSUMERS) {
      expect(parked(consumer, isPoison)?.headers['dlq-reason']).toEqual(expect.stringMatching(/\S/));
      expect(parked(consumer, isUnknownVersion)?.headers['dlq-reason']).toMatch(/version|v99/i);
    }
    expect(good!.partition).toBe(bad!.partition);
    expect(BigInt(good!.offset)).toBeGreaterThan(BigInt(bad!.offset));
    expect(task).toBeDefined();
    expect(counted).toBeDefined();
    expect(tasksOfUnknown).toEqual([]);
    expect(facts.find((fact) => fact._id === dealId)?.maxPosition).toBe(1);
  }, 120_000);
});
