import { topics } from '@crm/events';
import { dataOf, errorCodes, readTopics, serviceUnderTest, subgraphRequest, testIdentity, type TopicReader, waitFor } from '@crm/testing';
import { DealProgressModel } from '../src/modules/funnel/deal-progress.model';
import { writeFunnel } from '../src/modules/funnel/funnel.projection';
import { PipelineModel, type PipelineDoc } from '../src/modules/funnel/pipeline.model';
import { startAnalytics } from '../src/service';
import { connectProducer, dealCreated, dealJourney, newId, pipelineCreated, republished, stageChanged, stagesOf, waitProcessed } from './events';

const FUNNEL = `query ($id: ID!) {
  funnel(pipelineId: $id) {
    pipelineId pipelineName totalDeals overallConversion updatedAt
    stages { stageId name position reached conversionToNext }
    bottleneck { stageId name }
  }
}`;

const service = serviceUnderTest('analytics', startAnalytics);
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
    await waitProcessed(events);

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
    await waitProcessed([event]);
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
    await waitProcessed(dealEvents);
    expect(await DealProgressModel.countDocuments({ tenantId: alice.tenantId, pipelineId })).toBe(4);
    expect(errorCodes(await subgraphRequest(service.url, alice, FUNNEL, { id: pipelineId }))).toEqual(['NOT_FOUND']);

    const pipeline = pipelineCreated(alice.tenantId, pipelineId, 'Late', stages);
    await producer.send(pipeline);
    await waitProcessed([pipeline]);
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
    await waitProcessed(history);
    const before = figures(await funnelOf(pipelineId, alice));
    expect(before.stages.map((stage: any) => stage.reached)).toEqual([3, 2, 1]);

    const moved = history.find((event) => event.type === 'DealStageChanged' && event.aggregateId === dealId)!;
    // The same envelope twice (redelivery), then the whole history again under new event ids (a replay):
    // the replay comes after the duplicates on each key's partition, so once it is processed, so are they.
    const replay = history.map(republished);
    await producer.send(moved, moved, ...replay);
    await waitProcessed(replay);

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
    await waitProcessed(own);
    const before = figures(await funnelOf(pipelineId, alice));

    expect(errorCodes(await subgraphRequest(service.url, mallory, FUNNEL, { id: pipelineId }))).toEqual(['NOT_FOUND']);

    // Same pipeline id from another tenant: new deals there, and ids that collide with alice's documents.
    const foreign = [...dealJourney(mallory.tenantId, pipelineId, stages, [1]), ...dealJourney(mallory.tenantId, pipelineId, stages, [1])];
    const collisions = [pipelineCreated(mallory.tenantId, pipelineId, 'Hijacked', stages), stageChanged(mallory.tenantId, pipelineId, aliceDeal, stages[0]!, stages[1]!)];
    await producer.send(...foreign, ...collisions);
    await waitProcessed(foreign);
    for (const event of collisions) {
      const parked = await deadLetters.waitFor((m) => m.headers['dlq-consumer'] === groupId && m.event?.id === event.id, `${event.type} parked`);
      expect(parked.headers['dlq-reason']).toMatch(/belongs to another tenant/);
    }

    expect(figures(await funnelOf(pipelineId, alice))).toEqual(before);
    expect(before).toMatchObject({ pipelineName: 'Private', totalDeals: 1, stages: [{ reached: 1 }, { reached: 0 }] });
    expect(errorCodes(await subgraphRequest(service.url, mallory, FUNNEL, { id: pipelineId }))).toEqual(['NOT_FOUND']);
  });
});

describe('concurrent recomputes', () => {
  it('never lets an older recompute replace a newer funnel', async () => {
    const alice = testIdentity();
    const pipelineId = newId();
    const event = pipelineCreated(alice.tenantId, pipelineId, 'Raced', stagesOf('Lead', 'Won'));
    await producer.send(event);
    await waitProcessed([event]);
    const pipeline = (await PipelineModel.findOne({ _id: pipelineId, tenantId: alice.tenantId }).lean<PipelineDoc>())!;
    await DealProgressModel.create({ _id: newId(), tenantId: alice.tenantId, pipelineId, maxPosition: 1 });

    await writeFunnel({ ...pipeline, revision: pipeline.revision - 1 }); // a slow replica, late with an older revision
    expect((await funnelOf(pipelineId, alice)).totalDeals).toBe(0);
    await writeFunnel({ ...pipeline, revision: pipeline.revision + 1 });
    expect((await funnelOf(pipelineId, alice)).totalDeals).toBe(1);
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
