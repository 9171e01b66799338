// The stranded-deals sweep (src/modules/deal/deal.sweep.ts): a createDeal whose replica died
// between its insert and its stage check, while a deletion of its entry stage ran in that gap,
// left the deal in the deleted stage. The updatePipeline that deleted the stage recorded it; the
// sweep, once the deletion is older than the grace, moves such deals on to the entry stage with
// their DealStageChanged, once, whichever replicas sweep. Also: the pipeline version in events.
import { insertWithEvents } from '@crm/messaging';
import { readTopics, type ReadMessage, type TopicReader } from '@crm/messaging/testing';
import { createLogger } from '@crm/service-kit';
import { topics } from '@crm/events';
import { dataOf, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { dealCreated } from '../src/modules/deal/deal.events';
import { DealModel, type DealDoc } from '../src/modules/deal/deal.model';
import { sweepDeletedStages } from '../src/modules/deal/deal.sweep';
import { PipelineModel, type PipelineDoc } from '../src/modules/pipeline/pipeline.model';
import { stageRaceSeams } from '../src/modules/pipeline/stage-lock';
import { startDeals } from '../src/service';
import { closeFixtures, stagedPipeline, type StagedPipeline } from './fixtures';

const HOUR = 60 * 60_000;
// The service's own sweep polls often, but only looks into stages deleted an hour ago: the tests
// age a record by hand when they want it to act, and call the sweep directly otherwise.
const service = serviceUnderTest('deals', (env) => startDeals({ ...env, DEAL_STAGE_SWEEP_MS: '200', DEAL_STAGE_SWEEP_GRACE_MS: String(HOUR) }));
const logger = createLogger('deals-test', 'silent');
type Identity = ReturnType<typeof testIdentity>;
const call = (identity: Identity, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);

let reader: TopicReader;
beforeAll(async () => {
  reader = await readTopics([topics.deal, topics.pipeline]);
});
afterEach(() => {
  delete stageRaceSeams.beforeStagesWrite;
});
afterAll(async () => {
  await reader.close();
  await closeFixtures();
});

const UPDATE = `mutation ($id: ID!, $input: UpdatePipelineInput!) { updatePipeline(id: $id, input: $input) { id } }`;
const STAGES = [
  { name: 'A', probability: 0.1 },
  { name: 'B', probability: 0.3 },
  { name: 'C', probability: 0.6 },
  { name: 'Won', probability: 1, kind: 'WON' },
];

type Setup = StagedPipeline;
const setup = () => stagedPipeline(service.url, STAGES);

/** What a createDeal leaves when its replica dies right after the insert: the deal in the entry stage, its DealCreated, no stage check. */
async function insertWithoutCheck(s: Setup, title: string): Promise<DealDoc> {
  const pipeline = (await PipelineModel.findById(s.pipeline.id).lean<PipelineDoc>())!;
  const entry = pipeline.stages.find((stage) => stage._id.toString() === s.stage('A').id)!;
  const now = new Date();
  const deal = {
    _id: new Types.ObjectId(),
    tenantId: s.head.tenantId,
    title,
    companyId: s.companyId,
    pipelineId: pipeline._id,
    stageId: entry._id,
    amount: 1000,
    currency: 'EUR',
    status: 'OPEN',
    ownerId: s.head.userId,
    stageEnteredAt: now,
    stageHistory: [{ fromStageId: null, toStageId: entry._id, movedBy: s.head.userId, movedAt: now }],
  };
  return insertWithEvents(DealModel, deal, (inserted) => dealCreated(inserted, entry, s.head, pipeline.outboxVersion));
}

/**
 * The race the sweep is for: updatePipeline deleting stage A found it empty and waits before its
 * write; deals are inserted in A meanwhile and their replica dies (no check, so no veto); the
 * deletion writes. Answers the deals, left in the deleted stage.
 */
async function strandDeals(s: Setup, count: number): Promise<DealDoc[]> {
  let reached!: () => void;
  let release!: () => void;
  const atWrite = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  stageRaceSeams.beforeStagesWrite = async (id) => {
    if (id !== s.pipeline.id) return;
    reached();
    await released;
  };
  const deletion = call(s.head, UPDATE, { id: s.pipeline.id, input: { stages: s.without('A') } });
  await atWrite;
  const deals = await Promise.all(Array.from({ length: count }, (_, i) => insertWithoutCheck(s, `Stranded ${i}`)));
  release();
  expect((await deletion).errors).toBeUndefined();
  delete stageRaceSeams.beforeStagesWrite;
  const stored = (await PipelineModel.findById(s.pipeline.id).lean<PipelineDoc>())!;
  expect(stored.stages.find((stage) => stage._id.toString() === s.stage('A').id)!.deleted).toBe(true);
  for (const deal of deals) expect((await stageOf(deal))!.stageId.toString()).toBe(s.stage('A').id);
  return deals;
}

const stageOf = (deal: Pick<DealDoc, '_id'>) => DealModel.findById(deal._id).lean<DealDoc>();
const pipelineOf = (s: Setup) => PipelineModel.findById(s.pipeline.id).lean<PipelineDoc>().then((found) => found!);
const isEvent = (type: string, aggregateId: string) => (message: ReadMessage) => message.event?.type === type && message.event.aggregateId === aggregateId;
const stageChangesOf = (deal: Pick<DealDoc, '_id'>) => reader.messages.filter(isEvent('DealStageChanged', deal._id.toString()));
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The deal moved from the deleted A on to B, once, as settleNewDeal moves it; and its one DealStageChanged. */
async function expectMovedOnce(s: Setup, deal: DealDoc) {
  const stored = (await stageOf(deal))!;
  expect(stored.stageId.toString()).toBe(s.stage('B').id);
  expect(stored.stageHistory.map((change) => [change.fromStageId?.toString() ?? null, change.toStageId.toString(), change.movedBy])).toEqual([
    [null, s.stage('A').id, s.head.userId],
    [s.stage('A').id, s.stage('B').id, s.head.userId],
  ]);
  await reader.waitFor(isEvent('DealStageChanged', deal._id.toString()), `the DealStageChanged of ${deal.title}`);
  return stored;
}

describe('a deal left in a deleted stage by a createDeal that died before its check', () => {
  it("is moved on to the entry stage by the service's sweep once the deletion is older than the grace, with its DealStageChanged, once", async () => {
    const s = await setup();
    const [deal] = await strandDeals(s, 1);

    // The deletion recorded its stage for the sweep, in its own write.
    const recorded = await pipelineOf(s);
    expect(recorded.stageSweepPending).toBe(true);
    expect(recorded.stageSweeps!.map((sweep) => sweep.stageId.toString())).toEqual([s.stage('A').id]);
    // Within the grace nothing moves: a createDeal still running would check its deal itself.
    expect(await sweepDeletedStages({ graceMs: HOUR, batch: 100 }, logger)).toBe(0);
    expect((await stageOf(deal!))!.stageId.toString()).toBe(s.stage('A').id);

    // An hour later (the record aged by hand): the service's own sweep moves the deal.
    await PipelineModel.updateOne({ _id: s.pipeline.id }, { $set: { 'stageSweeps.0.deletedAt': new Date(Date.now() - HOUR - 1000) } }, { timestamps: false });
    await waitFor(async () => (await stageOf(deal!))!.stageId.toString() === s.stage('B').id, { what: 'the sweep to move the deal on' });
    await expectMovedOnce(s, deal!);
    const [event] = stageChangesOf(deal!).map((message) => message.event!);
    expect(event!.actorId).toBe(s.head.userId);
    expect(event!.data).toMatchObject({
      dealId: deal!._id.toString(),
      pipelineId: s.pipeline.id,
      fromStage: { id: s.stage('A').id, name: 'A' },
      toStage: { id: s.stage('B').id, name: 'B', position: 0 },
      movedBy: s.head.userId,
      status: 'OPEN',
      // Created (1), then A deleted (2).
      pipelineVersion: 2,
    });
    await waitFor(async () => (await pipelineOf(s)).stageSweepPending === false, { what: 'the record to be cleared' });
    expect((await pipelineOf(s)).stageSweeps).toEqual([]);

    // Another sweep (another replica, the record gone or not) moves nothing again.
    await PipelineModel.updateOne({ _id: s.pipeline.id }, { $set: { stageSweepPending: true, stageSweeps: recorded.stageSweeps } }, { timestamps: false });
    expect(await sweepDeletedStages({ graceMs: 0, batch: 100 }, logger)).toBe(0);
    expect((await pipelineOf(s)).stageSweepPending).toBe(false);
    await pause(1000);
    expect(stageChangesOf(deal!)).toHaveLength(1);
    expect((await stageOf(deal!))!.stageHistory).toHaveLength(2);
  });

  it('replicas sweeping at the same time move each deal once', async () => {
    const s = await setup();
    const deals = await strandDeals(s, 3);
    const sweeps = await Promise.all([1, 2, 3].map(() => sweepDeletedStages({ graceMs: 0, batch: 100 }, logger)));
    // Each replica found what was there when it looked; together, every deal.
    expect(Math.max(...sweeps)).toBeGreaterThan(0);
    for (const deal of deals) await expectMovedOnce(s, deal);
    await pause(1000);
    expect(deals.map((deal) => stageChangesOf(deal).length)).toEqual([1, 1, 1]);
    const stored = await pipelineOf(s);
    expect([stored.stageSweepPending, stored.stageSweeps]).toEqual([false, []]);
  });

  it('moves at most its batch of deals per poll, and keeps the record until the stage is found empty', async () => {
    const s = await setup();
    const deals = await strandDeals(s, 3);
    expect(await sweepDeletedStages({ graceMs: 0, batch: 2 }, logger)).toBe(2);
    const stillThere = await DealModel.countDocuments({ tenantId: s.head.tenantId, pipelineId: s.pipeline.id, stageId: s.stage('A').id });
    expect(stillThere).toBe(1);
    expect((await pipelineOf(s)).stageSweepPending).toBe(true);

    expect(await sweepDeletedStages({ graceMs: 0, batch: 2 }, logger)).toBe(1);
    for (const deal of deals) await expectMovedOnce(s, deal);
    expect((await pipelineOf(s)).stageSweepPending).toBe(false);
    expect(await sweepDeletedStages({ graceMs: 0, batch: 2 }, logger)).toBe(0);
  });

  it('a deletion with no deal left behind is cleared by the first sweep after the grace, nothing moved', async () => {
    const s = await setup();
    expect((await call(s.head, UPDATE, { id: s.pipeline.id, input: { stages: s.without('C') } })).errors).toBeUndefined();
    expect((await pipelineOf(s)).stageSweeps!.map((sweep) => sweep.stageId.toString())).toEqual([s.stage('C').id]);
    expect(await sweepDeletedStages({ graceMs: 0, batch: 100 }, logger)).toBe(0);
    expect([(await pipelineOf(s)).stageSweepPending, (await pipelineOf(s)).stageSweeps]).toEqual([false, []]);
  });
});

describe("the pipeline's version in events", () => {
  it('PipelineCreated is version 1, each PipelineUpdated one more; DealCreated, DealStageChanged and DealWon name the version they were checked against', async () => {
    const s = await setup();
    expect((await call(s.head, UPDATE, { id: s.pipeline.id, input: { name: `Renamed ${new Types.ObjectId()}` } })).errors).toBeUndefined();
    const created = dataOf(
      await call(s.head, `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`, {
        input: { title: 'Versioned', companyId: s.companyId, pipelineId: s.pipeline.id, amount: 1000, currency: 'EUR' },
      }),
    ).createDeal as { id: string };
    const MOVE = `mutation ($id: ID!, $stageId: ID!) { moveDealToStage(id: $id, stageId: $stageId) { id } }`;
    dataOf(await call(s.head, MOVE, { id: created.id, stageId: s.stage('B').id }));
    expect((await call(s.head, UPDATE, { id: s.pipeline.id, input: { strictness: 'WARN' } })).errors).toBeUndefined();
    dataOf(await call(s.head, MOVE, { id: created.id, stageId: s.stage('Won').id }));

    const versionOf = async (type: string, aggregateId: string, nth = 0) => {
      const message = await waitFor(() => reader.messages.filter(isEvent(type, aggregateId))[nth], { what: `${type} #${nth + 1} of ${aggregateId}` });
      return (message.event!.data as { pipelineVersion?: number }).pipelineVersion;
    };
    expect(await versionOf('PipelineCreated', s.pipeline.id)).toBe(1);
    expect(await versionOf('PipelineUpdated', s.pipeline.id)).toBe(2);
    expect(await versionOf('PipelineUpdated', s.pipeline.id, 1)).toBe(3);
    expect(await versionOf('DealCreated', created.id)).toBe(2);
    expect(await versionOf('DealStageChanged', created.id)).toBe(2);
    expect(await versionOf('DealStageChanged', created.id, 1)).toBe(3);
    expect(await versionOf('DealWon', created.id)).toBe(3);
    expect((await pipelineOf(s)).outboxVersion).toBe(3);
  });
});
