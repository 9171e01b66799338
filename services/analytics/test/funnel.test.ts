import { readTopics, type TopicReader } from '@crm/messaging/testing';
import { topics } from '@crm/events';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import mongoose from 'mongoose';
import { DealProgressModel } from '../src/modules/funnel/deal-progress.model';
import { counterClock, counterGrace } from '../src/modules/deal-facts/counter-fence';
import { FunnelCountsModel } from '../src/modules/funnel/funnel.model';
import { recordProgress, settleUnsettledFacts, sweepFunnelTokens } from '../src/modules/funnel/funnel.projection';
import { startAnalytics } from '../src/service';
import { connectProducer, dealCreated, dealJourney, dealReopened, kindedStages, newId, pipelineCreated, pipelineCreatedV2, pipelineUpdated, republished, stageChanged, stagesOf, waitProcessed } from './events';

const FUNNEL = `query ($id: ID!) {
  funnel(pipelineId: $id) {
    pipelineId pipelineName totalDeals overallConversion updatedAt
    stages { stageId name position reached conversionToNext }
    bottleneck { stageId name }
  }
}`;

const service = serviceUnderTest('analytics', startAnalytics, {
  allowedScans: [
    {
      collection: 'deal_progress',
      keys: 'counted',
      why: 'the one-time migration of facts written before the counters (settleUnsettledFacts), run once per database; tested here directly',
    },
  ],
});
const groupId = `analytics.funnel${service.env.KAFKA_GROUP_SUFFIX}`;
let producer: Awaited<ReturnType<typeof connectProducer>>;
let deadLetters: TopicReader;

const funnelOf = async (pipelineId: string, identity = testIdentity()) => dataOf(await subgraphRequest(service.url, identity, FUNNEL, { id: pipelineId })).funnel;
const figures = ({ updatedAt: _updatedAt, ...rest }: any) => rest;

beforeAll(async () => {
  [producer, deadLetters] = await Promise.all([connectProducer(), readTopics([topics.deadLetter])]);
});
afterAll(async () => {
  await Promise.all([producer.close(), deadLetters.close()]);
});

describe('funnel projection', () => {
  it('counts the deals that reached each stage, skips included, moves back ignored', async () => {
    const alice = testIdentity();
    const pipelineId = newId();
    const stages = stagesOf('Lead', 'Qualified', 'Proposal', 'Won');
    const events = [
      pipelineCreated(alice.tenantId, pipelineId, 'New business', stages),
      ...dealJourney(alice.tenantId, pipelineId, stages, [3]), // skips Qualified and Proposal
      ...dealJourney(alice.tenantId, pipelineId, stages, [1, 2, 1]), // moves back from Proposal
      ...dealJourney(alice.tenantId, pipelineId, stages, [1]),
      ...dealJourney(alice.tenantId, pipelineId, stages, [1, 0]), // moves back to Lead
      ...dealJourney(alice.tenantId, pipelineId, stages, []),
    ];
    await producer.send(...events);
    await waitProcessed(events, service.env);

    const funnel = await funnelOf(pipelineId, alice);
    const [lead, qualified, proposal, won] = stages;
    expect(figures(funnel)).toEqual({
      pipelineId,
      pipelineName: 'New business',
      totalDeals: 5,
      stages: [
        { stageId: lead!.id, name: 'Lead', position: 0, reached: 5, conversionToNext: 0.8 },
        { stageId: qualified!.id, name: 'Qualified', position: 1, reached: 4, conversionToNext: 0.5 },
        { stageId: proposal!.id, name: 'Proposal', position: 2, reached: 2, conversionToNext: 0.5 },
        { stageId: won!.id, name: 'Won', position: 3, reached: 1, conversionToNext: null },
      ],
      bottleneck: { stageId: qualified!.id, name: 'Qualified' },
      overallConversion: 0.2,
    });
    expect(new Date(funnel.updatedAt).getTime()).not.toBeNaN();
  });

  it('shows a new pipeline without deals as zeros', async () => {
    const alice = testIdentity();
    const pipelineId = newId();
    const event = pipelineCreated(alice.tenantId, pipelineId, 'Empty', stagesOf('Open', 'Closed'));
    await producer.send(event);
    await waitProcessed([event], service.env);
    expect(figures(await funnelOf(pipelineId, alice))).toMatchObject({
      totalDeals: 0,
      stages: [
        { name: 'Open', reached: 0, conversionToNext: null },
        { name: 'Closed', reached: 0, conversionToNext: null },
      ],
      bottleneck: null,
      overallConversion: null,
    });
  });

  it('keeps deal events that arrive before their pipeline and builds the funnel once it arrives', async () => {
    const alice = testIdentity();
    const pipelineId = newId();
    const stages = stagesOf('Lead', 'Deal', 'Won');
    const dealEvents = [
      ...dealJourney(alice.tenantId, pipelineId, stages, [2]),
      ...dealJourney(alice.tenantId, pipelineId, stages, [1]),
      ...dealJourney(alice.tenantId, pipelineId, stages, []),
      ...dealJourney(alice.tenantId, pipelineId, stages, []),
    ];
    await producer.send(...dealEvents);
    await waitProcessed(dealEvents, service.env);
    expect(await DealProgressModel.countDocuments({ tenantId: alice.tenantId, pipelineId })).toBe(4);
    expect(errorCodes(await subgraphRequest(service.url, alice, FUNNEL, { id: pipelineId }))).toEqual(['NOT_FOUND']);

    const pipeline = pipelineCreated(alice.tenantId, pipelineId, 'Late', stages);
    await producer.send(pipeline);
    await waitProcessed([pipeline], service.env);
    const funnel = await funnelOf(pipelineId, alice);
    expect(funnel.stages.map((stage: any) => [stage.reached, stage.conversionToNext])).toEqual([
      [4, 0.5],
      [2, 0.5],
      [1, null],
    ]);
    expect(funnel).toMatchObject({ totalDeals: 4, overallConversion: 0.25, bottleneck: { stageId: stages[0]!.id } });
  });

  it('is unchanged by duplicate deliveries and by a replay of the whole history', async () => {
    const alice = testIdentity();
    const pipelineId = newId();
    const stages = stagesOf('Lead', 'Demo', 'Won');
    const dealId = newId();
    const history = [
      pipelineCreated(alice.tenantId, pipelineId, 'Replayed', stages),
      ...dealJourney(alice.tenantId, pipelineId, stages, [1], dealId),
      ...dealJourney(alice.tenantId, pipelineId, stages, [2]),
      ...dealJourney(alice.tenantId, pipelineId, stages, []),
    ];
    await producer.send(...history);
    await waitProcessed(history, service.env);
    const before = figures(await funnelOf(pipelineId, alice));
    expect(before.stages.map((stage: any) => stage.reached)).toEqual([3, 2, 1]);

    const moved = history.find((event) => event.type === 'DealStageChanged' && event.aggregateId === dealId)!;
    // The same envelope twice (redelivery), then the whole history again under new event ids (a replay):
    // the replay comes after the duplicates on each key's partition, so once it is processed, so are they.
    const replay = history.map(republished);
    await producer.send(moved, moved, ...replay);
    await waitProcessed(replay, service.env);

    expect(figures(await funnelOf(pipelineId, alice))).toEqual(before);
    expect(await DealProgressModel.countDocuments({ tenantId: alice.tenantId, pipelineId })).toBe(3);
  });

  it("keeps tenants apart: no one else sees the funnel, and another tenant's events never change it", async () => {
    const alice = testIdentity();
    const mallory = testIdentity();
    const pipelineId = newId();
    const stages = stagesOf('Lead', 'Won');
    const aliceDeal = newId();
    const own = [pipelineCreated(alice.tenantId, pipelineId, 'Private', stages), ...dealJourney(alice.tenantId, pipelineId, stages, [], aliceDeal)];
    await producer.send(...own);
    await waitProcessed(own, service.env);
    const before = figures(await funnelOf(pipelineId, alice));

    expect(errorCodes(await subgraphRequest(service.url, mallory, FUNNEL, { id: pipelineId }))).toEqual(['NOT_FOUND']);

    // Same pipeline id from another tenant: new deals there, and ids that collide with alice's documents.
    const foreign = [...dealJourney(mallory.tenantId, pipelineId, stages, [1]), ...dealJourney(mallory.tenantId, pipelineId, stages, [1])];
    const collisions = [pipelineCreated(mallory.tenantId, pipelineId, 'Hijacked', stages), stageChanged(mallory.tenantId, pipelineId, aliceDeal, stages[0]!, stages[1]!)];
    await producer.send(...foreign, ...collisions);
    await waitProcessed(foreign, service.env);
    for (const event of collisions) {
      const parked = await deadLetters.waitFor((m) => m.headers['dlq-consumer'] === groupId && m.event?.id === event.id, `${event.type} parked`);
      expect(parked.headers['dlq-reason']).toMatch(/belongs to another tenant/);
    }

    expect(figures(await funnelOf(pipelineId, alice))).toEqual(before);
    expect(before).toMatchObject({ pipelineName: 'Private', totalDeals: 1, stages: [{ reached: 1 }, { reached: 0 }] });
    expect(errorCodes(await subgraphRequest(service.url, mallory, FUNNEL, { id: pipelineId }))).toEqual(['NOT_FOUND']);
  });
});

describe('won, lost and post-sale stages', () => {
  it('counts a lost deal up to where it was lost, a win once through post-sale stages, and a reopened deal from where it comes back', async () => {
    const alice = testIdentity();
    const pipelineId = newId();
    const stages = kindedStages('Lead', 'Proposal', 'Won:WON', 'Delivered:POST_SALE', 'Lost:LOST');
    const [lead, proposal, won, delivered, lost] = stages;
    const reopenedDeal = newId();
    const events = [
      pipelineCreatedV2(alice.tenantId, pipelineId, 'Kinds', stages),
      ...dealJourney(alice.tenantId, pipelineId, stages, [1, 2, 3]), // won, then delivered
      ...dealJourney(alice.tenantId, pipelineId, stages, [1, 4]), // lost from Proposal
      ...dealJourney(alice.tenantId, pipelineId, stages, [2]), // won straight from Lead
      ...dealJourney(alice.tenantId, pipelineId, stages, [4], reopenedDeal), // lost from Lead...
      dealReopened(alice.tenantId, pipelineId, reopenedDeal, lost!, proposal!), // ...then reopened in Proposal
    ];
    await producer.send(...events);
    await waitProcessed(events, service.env);

    const funnel = await funnelOf(pipelineId, alice);
    expect(funnel.stages.map((stage: any) => [stage.stageId, stage.reached])).toEqual([
      [lead!.id, 4],
      [proposal!.id, 4],
      [won!.id, 2],
      [delivered!.id, 1],
    ]);
    expect(funnel).toMatchObject({ totalDeals: 4, overallConversion: 0.5 });
  });

  it('follows PipelineUpdated: renamed and added stages, and v1 pipelines read as OPEN stages', async () => {
    const alice = testIdentity();
    const pipelineId = newId();
    const stages = stagesOf('Lead', 'Won');
    const created = [pipelineCreated(alice.tenantId, pipelineId, 'Old style', stages), ...dealJourney(alice.tenantId, pipelineId, stages, [1])];
    await producer.send(...created);
    await waitProcessed(created, service.env);
    expect((await funnelOf(pipelineId, alice)).stages.map((stage: any) => stage.name)).toEqual(['Lead', 'Won']);

    const updated = pipelineUpdated(alice.tenantId, pipelineId, 'New style', [
      { ...stages[0]!, name: 'Enquiry', kind: 'OPEN' },
      { ...stages[1]!, name: 'Signed', kind: 'WON' },
      { id: newId(), name: 'Not signed', position: 2, kind: 'LOST' },
    ]);
    await producer.send(updated);
    await waitProcessed([updated], service.env);
    expect(await funnelOf(pipelineId, alice)).toMatchObject({
      pipelineName: 'New style',
      stages: [{ name: 'Enquiry', reached: 1 }, { name: 'Signed', reached: 1 }],
      overallConversion: 1,
    });
  });
});

describe('incremental counters', () => {
  const setup = async (names = ['Lead', 'Demo', 'Won']) => {
    const alice = testIdentity();
    const pipelineId = newId();
    const stages = stagesOf(...names);
    const event = pipelineCreated(alice.tenantId, pipelineId, 'Counted', stages);
    await producer.send(event);
    await waitProcessed([event], service.env);
    const reached = async () => (await funnelOf(pipelineId, alice)).stages.map((stage: any) => stage.reached);
    return { alice, tenantId: alice.tenantId, pipelineId, stages, reached };
  };

  it('stays exact when handlers run concurrently on the same deals, in any order, repeatedly', async () => {
    const { tenantId, pipelineId, reached } = await setup(['A', 'B', 'C', 'D']);
    const dealIds = Array.from({ length: 6 }, () => newId());
    // Every deal's whole history, twice over, all at once and shuffled: creations, moves forward and back.
    const calls = dealIds.flatMap((dealId, i) => [0, 1, 2, 1, 3, 0, i % 4].flatMap((position) => [[dealId, position], [dealId, position]] as const));
    calls.sort(() => Math.random() - 0.5);
    await Promise.all(calls.map(([dealId, position]) => recordProgress(tenantId, dealId, pipelineId, position)));
    expect(await reached()).toEqual([6, 6, 6, 6]);
    const counters = await FunnelCountsModel.findOne({ _id: `${tenantId}:${pipelineId}`, tenantId }).lean();
    expect(counters?.counts).toMatchObject({ p3: 6 });
    const facts = await DealProgressModel.find({ tenantId, pipelineId }).lean();
    expect(facts.map((fact) => [fact.maxPosition, fact.counted, fact.pendingTo ?? null, fact.pendingAt ?? null])).toEqual(dealIds.map(() => [3, 3, null, null]));
    // The tokens of confirmed moves stay through the grace period (a stalled writer of their claims
    // is refused by them); past it, the pipeline's next move removes them and raises the fence.
    expect(Object.keys(counters?.applied ?? {}).length).toBeGreaterThan(0);
    const realNow = counterClock.now;
    counterClock.now = () => realNow() + counterGrace() + 1_000;
    try {
      const last = newId();
      await recordProgress(tenantId, last, pipelineId, 0, true);
      const after = await FunnelCountsModel.findOne({ _id: `${tenantId}:${pipelineId}`, tenantId }).lean();
      expect(Object.keys(after?.applied ?? {})).toEqual([`${last}>0`]);
      expect(after?.fence).toBeGreaterThan(0);
      expect(after?.counts).toMatchObject({ p3: 6 });
      // That last move's token, once confirmed and past the grace period, goes without a move: the pipeline's counters shrink back when it is quiet.
      counterClock.now = () => realNow() + 2 * (counterGrace() + 1_000);
      await sweepFunnelTokens(0, 1_000);
      const quiet = await FunnelCountsModel.findOne({ _id: `${tenantId}:${pipelineId}`, tenantId }).lean();
      expect(quiet?.applied ?? {}).toEqual({});
      expect(quiet?.fence).toBeGreaterThan(after?.fence ?? 0);
      expect(quiet?.counts).toEqual(after?.counts);
    } finally {
      counterClock.now = realNow;
    }
  });

  it('counts a move claimed before a crash exactly once when the event comes again', async () => {
    const { tenantId, pipelineId, reached } = await setup();
    const dealId = newId();
    await recordProgress(tenantId, dealId, pipelineId, 0);
    // A consumer moved the fact to 2 and claimed the counter move, then crashed before the counters.
    await DealProgressModel.updateOne({ _id: dealId, tenantId }, { $set: { maxPosition: 2, pendingTo: 2 } });
    expect(await reached()).toEqual([1, 0, 0]);
    await recordProgress(tenantId, dealId, pipelineId, 2); // the redelivery
    expect(await reached()).toEqual([1, 1, 1]);
    await recordProgress(tenantId, dealId, pipelineId, 2); // and once more
    expect(await reached()).toEqual([1, 1, 1]);
    expect(await DealProgressModel.findOne({ _id: dealId, tenantId }).lean()).toMatchObject({ maxPosition: 2, counted: 2, pendingTo: null });
  });

  it('does not count a move twice when the crash came after the counters moved', async () => {
    const { tenantId, pipelineId, reached } = await setup();
    const dealId = newId();
    await recordProgress(tenantId, dealId, pipelineId, 0);
    // Claimed and applied to the counters (token recorded), crashed before confirming on the fact.
    await DealProgressModel.updateOne({ _id: dealId, tenantId }, { $set: { maxPosition: 1, pendingTo: 1 } });
    await FunnelCountsModel.updateOne(
      { _id: `${tenantId}:${pipelineId}`, tenantId },
      { $inc: { 'counts.p0': -1, 'counts.p1': 1 }, $set: { [`applied.${dealId}>1`]: true } },
    );
    expect(await reached()).toEqual([1, 1, 0]);
    await recordProgress(tenantId, dealId, pipelineId, 1); // the redelivery
    expect(await reached()).toEqual([1, 1, 0]);
    expect(await DealProgressModel.findOne({ _id: dealId, tenantId }).lean()).toMatchObject({ counted: 1, pendingTo: null });
    // The next move of the deal goes on from there; the confirmed moves' tokens stay through the grace period.
    await recordProgress(tenantId, dealId, pipelineId, 2);
    expect(await reached()).toEqual([1, 1, 1]);
    expect(Object.keys((await FunnelCountsModel.findOne({ _id: `${tenantId}:${pipelineId}`, tenantId }).lean())?.applied ?? {}).sort()).toEqual([0, 1, 2].map((to) => `${dealId}>${to}`).sort());
  });

  it('counts, once, facts whose counters lag when no event of theirs comes again (start-up sweep)', async () => {
    const { tenantId, pipelineId, reached } = await setup();
    // Facts written before counters existed (no counted, no pending), and a claim abandoned by a crash.
    await DealProgressModel.collection.insertMany([
      { _id: newId() as any, tenantId, pipelineId, maxPosition: 2 },
      { _id: newId() as any, tenantId, pipelineId, maxPosition: 0 },
      { _id: newId() as any, tenantId, pipelineId, maxPosition: 1, counted: null, pendingTo: 1 },
    ]);
    expect(await settleUnsettledFacts()).toBeGreaterThanOrEqual(3);
    expect(await reached()).toEqual([3, 2, 1]);
    await settleUnsettledFacts();
    expect(await reached()).toEqual([3, 2, 1]);
  });

  it('handles a move that arrives before its creation (a replay from elsewhere) as the furthest stage', async () => {
    const { alice, tenantId, pipelineId, stages, reached } = await setup();
    const dealId = newId();
    const [created, moved] = dealJourney(tenantId, pipelineId, stages, [2], dealId);
    await producer.send(moved!);
    await waitProcessed([moved!], service.env);
    await producer.send(created!);
    await waitProcessed([created!], service.env);
    expect(await reached()).toEqual([1, 1, 1]);
    expect((await funnelOf(pipelineId, alice)).totalDeals).toBe(1);
  });

  it('costs the same few key operations per event with 1 or 150 deals in the pipeline', async () => {
    const { tenantId, pipelineId } = await setup();
    const operationsFor = async (dealId: string, position: number, created = false) => {
      const seen: { collection: string; method: string; filter: any }[] = [];
      const previous = mongoose.get('debug'); // the store-plan check records queries this way too: keep it going
      mongoose.set('debug', (collection: string, method: string, ...args: unknown[]) => {
        // Other work of the service runs meanwhile (the outbox relay's poll, consumers taking other
        // test files' events from the shared broker): only this tenant's operations are the event path's.
        if (JSON.stringify(args[0] ?? {}).includes(tenantId)) seen.push({ collection, method, filter: args[0] });
        if (typeof previous === 'function') previous(collection, method, ...args);
      });
      try {
        await recordProgress(tenantId, dealId, pipelineId, position, created);
      } finally {
        mongoose.set('debug', previous);
      }
      return seen;
    };
    const first = newId();
    // Creation (the consumer passes created = true for DealCreated), then a move further.
    const small = [...(await operationsFor(first, 0, true)), ...(await operationsFor(first, 2))];
    await Promise.all(Array.from({ length: 150 }, (_, i) => recordProgress(tenantId, newId(), pipelineId, i % 3)));
    const last = newId();
    const large = [...(await operationsFor(last, 0, true)), ...(await operationsFor(last, 2))];
    expect(large.map((op) => `${op.collection}.${op.method}`)).toEqual(small.map((op) => `${op.collection}.${op.method}`));
    // Every operation goes by key: no aggregate, no list of the pipeline's deals.
    for (const op of large) expect(op.filter).toHaveProperty('_id');
    // Three writes per event: the fact (advanced and claimed), the counters, the fact confirmed.
    expect(large.map((op) => `${op.collection}.${op.method}`)).toEqual([
      'deal_progress.findOneAndUpdate',
      'funnel_counts.updateOne',
      'deal_progress.findOneAndUpdate',
      'deal_progress.findOneAndUpdate',
      'funnel_counts.updateOne',
      'deal_progress.findOneAndUpdate',
    ]);
  });
});

describe('poison messages', () => {
  it('parks unparseable messages in the dead-letter topic and keeps consuming', async () => {
    const alice = testIdentity();
    const pipelineId = newId();
    const stages = stagesOf('Lead', 'Won');
    const key = newId();
    await producer.sendRaw(topics.deal, key, '{not json');
    const parked = await deadLetters.waitFor((m) => m.headers['dlq-consumer'] === groupId && m.key === key, 'the poison message parked');
    expect(parked.value).toBe('{not json');
    expect(parked.headers).toMatchObject({ 'dlq-source-topic': topics.deal, 'dlq-reason': expect.stringMatching(/unparseable/) });

    // The same key lands on the same partition, behind the poison message.
    const after = [pipelineCreated(alice.tenantId, pipelineId, 'After poison', stages), dealCreated(alice.tenantId, pipelineId, key, stages[1]!)];
    await producer.send(...after);
    await waitFor(async () => (await funnelOf(pipelineId, alice)).totalDeals === 1, { what: 'the deal after the poison message to count' });
  });
});
