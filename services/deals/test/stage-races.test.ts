// updatePipeline deleting (or re-kinding) stages while deals are put into them: no deal is ever
// left in a stage its pipeline no longer has (src/modules/pipeline/stage-lock.ts). Each race is
// made to happen by holding one side at a seam of the code while the other runs, then a stress
// runs many of them at once with random delays at the same seams.
import { createEvent, LeadConverted } from '@crm/events';
import { createTestProducer } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor, type GraphQLResponse } from '@crm/testing';
import { Types } from 'mongoose';
import { DealModel, type DealDoc } from '../src/modules/deal/deal.model';
import { PipelineModel, type PipelineDoc } from '../src/modules/pipeline/pipeline.model';
import { stageRaceSeams, type EntryPath } from '../src/modules/pipeline/stage-lock';
import { startDeals } from '../src/service';
import { closeFixtures, stagedPipeline, type StagedPipeline } from './fixtures';

const service = serviceUnderTest('deals', startDeals);
const producer = createTestProducer();
type Identity = ReturnType<typeof testIdentity>;
const call = (identity: Identity, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);

afterEach(() => {
  delete stageRaceSeams.beforeEntryWrite;
  delete stageRaceSeams.beforeStagesWrite;
});
afterAll(async () => {
  await producer.close();
  await closeFixtures();
});

const UPDATE = `mutation ($id: ID!, $input: UpdatePipelineInput!) { updatePipeline(id: $id, input: $input) { id stages { id name kind } } }`;
const CREATE_DEAL = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id stage { name } stageHistory { from { name } to { name } } } }`;
const MOVE = `mutation ($id: ID!, $stageId: ID!, $lostReason: String) { moveDealToStage(id: $id, stageId: $stageId, lostReason: $lostReason) { id stage { name } } }`;
const REOPEN = `mutation ($id: ID!, $stageId: ID!) { reopenDeal(id: $id, stageId: $stageId) { id stage { name } } }`;

/** A point one side of a race stops at until the test lets it go on. */
function hold() {
  let arrive!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return { reached, release, stop: () => (arrive(), released) };
}

/** Holds the next write of a deal into a stage on `path` (of deal `dealId` when given). */
function holdEntry(path: EntryPath, dealId?: string) {
  const point = hold();
  let taken = false;
  stageRaceSeams.beforeEntryWrite = async (entry) => {
    if (taken || entry.path !== path || (dealId && entry.dealId !== dealId)) return;
    taken = true;
    await point.stop();
  };
  return point;
}

/** Holds updatePipeline after its check that the stages it deletes or re-kinds are empty, before its write. */
function holdStagesWrite(pipelineId: string) {
  const point = hold();
  stageRaceSeams.beforeStagesWrite = async (id) => {
    if (id === pipelineId) await point.stop();
  };
  return point;
}

const STAGES = [
  { name: 'A', probability: 0.1 },
  { name: 'B', probability: 0.3 },
  { name: 'C', probability: 0.6 },
  { name: 'D', probability: 0.8 },
  { name: 'Lost', probability: 0, kind: 'LOST' },
];

type Setup = StagedPipeline;
const setup = () => stagedPipeline(service.url, STAGES);

const createDeal = (s: Setup, title = 'Cleaning') =>
  call(s.head, CREATE_DEAL, { input: { title, companyId: s.companyId, pipelineId: s.pipeline.id, amount: 1000, currency: 'EUR' } });

/** Every deal of the pipeline is in a stage the pipeline still has (not deleted), and no mark is left behind. */
async function expectNoDealInAGoneStage(pipelineId: string) {
  const stored = (await PipelineModel.findById(pipelineId).lean<PipelineDoc>())!;
  const live = new Set(stored.stages.filter((stage) => !stage.deleted).map((stage) => stage._id.toString()));
  const deals = await DealModel.find({ tenantId: stored.tenantId, pipelineId: stored._id }).lean<DealDoc[]>();
  const stranded = deals.filter((deal) => !live.has(deal.stageId.toString()));
  expect(stranded.map((deal) => `${deal.title} in ${stored.stages.find((stage) => stage._id.equals(deal.stageId))?.name}`)).toEqual([]);
  expect(stored.stageLock ?? null).toBeNull();
  return { stored, deals };
}

const stageOf = async (dealId: string) => (await DealModel.findById(dealId).lean<DealDoc>())!;
const deletedNames = (stored: PipelineDoc) => stored.stages.filter((stage) => stage.deleted).map((stage) => stage.name);

describe('deleting a stage while a deal is moved into it', () => {
  it.each([['moveDealToStage'], ['reopenDeal']])(
    '%s read the pipeline before the deletion and writes after it: refused with CONFLICT, the stage is deleted, the deal stays',
    async (mutation) => {
      const s = await setup();
      const deal = dataOf(await createDeal(s)).createDeal;
      if (mutation === 'reopenDeal') dataOf(await call(s.head, MOVE, { id: deal.id, stageId: s.stage('Lost').id, lostReason: 'No budget' }));
      const before = await stageOf(deal.id);

      const held = holdEntry(mutation === 'reopenDeal' ? 'reopen' : 'move', deal.id);
      const entering = call(s.head, mutation === 'reopenDeal' ? REOPEN : MOVE, { id: deal.id, stageId: s.stage('C').id });
      await held.reached;
      // The whole deletion runs while the move waits between its checks and its write.
      const deletion = await call(s.head, UPDATE, { id: s.pipeline.id, input: { stages: s.without('C') } });
      expect(deletion.errors).toBeUndefined();
      held.release();
      const moved = await entering;

      expect(errorCodes(moved)).toEqual(['CONFLICT']);
      const { stored } = await expectNoDealInAGoneStage(s.pipeline.id);
      expect(deletedNames(stored)).toEqual(['C']);
      expect((await stageOf(deal.id)).stageId.equals(before.stageId)).toBe(true);
    },
  );

  it('a move arriving after the stage was found empty and before it is removed is refused with CONFLICT; the deletion goes through', async () => {
    const s = await setup();
    const deal = dataOf(await createDeal(s)).createDeal;
    const held = holdStagesWrite(s.pipeline.id);
    const deleting = call(s.head, UPDATE, { id: s.pipeline.id, input: { stages: s.without('C') } });
    await held.reached;

    const moved = await call(s.head, MOVE, { id: deal.id, stageId: s.stage('C').id });
    held.release();
    const deletion = await deleting;

    expect(errorCodes(moved)).toEqual(['CONFLICT']);
    expect(deletion.errors).toBeUndefined();
    const { stored } = await expectNoDealInAGoneStage(s.pipeline.id);
    expect(deletedNames(stored)).toEqual(['C']);
    // Once the deletion is over, C is gone: a move into it is NOT_FOUND.
    expect(errorCodes(await call(s.head, MOVE, { id: deal.id, stageId: s.stage('C').id }))).toEqual(['NOT_FOUND']);
  });

  it('changing the kind of a stage while a move into it waits to write: the move is refused with CONFLICT, no OPEN deal sits in a WON stage', async () => {
    const s = await setup();
    const deal = dataOf(await createDeal(s)).createDeal;
    const held = holdEntry('move', deal.id);
    const entering = call(s.head, MOVE, { id: deal.id, stageId: s.stage('C').id });
    await held.reached;
    const stages = s.without().map((stage) => (stage.name === 'C' ? { ...stage, kind: 'WON' } : stage));
    const rekind = await call(s.head, UPDATE, { id: s.pipeline.id, input: { stages } });
    expect(rekind.errors).toBeUndefined();
    held.release();

    expect(errorCodes(await entering)).toEqual(['CONFLICT']);
    const stored = await stageOf(deal.id);
    expect(stored.stageId.toString()).toBe(s.stage('A').id);
    expect(stored.status).toBe('OPEN');
  });
});

describe('the mark of an editor that stopped between its check and its write', () => {
  it('holds deals and other deletions off (CONFLICT) until it expires; then the first move or deletion that meets it removes it', async () => {
    const s = await setup();
    const [first, second] = await Promise.all([createDeal(s, 'One'), createDeal(s, 'Two')].map(async (answer) => dataOf(await answer).createDeal));
    // As a replica that died after marking C (and D) would leave it.
    const mark = (token: string, until: Date) =>
      PipelineModel.updateOne({ _id: s.pipeline.id }, { $set: { stageLock: { token, stageIds: [s.stage('C').id, s.stage('D').id], until } } });
    await mark('dead-editor-1', new Date(Date.now() + 60_000));

    expect(errorCodes(await call(s.head, MOVE, { id: first.id, stageId: s.stage('C').id }))).toEqual(['CONFLICT']);
    expect(errorCodes(await call(s.head, UPDATE, { id: s.pipeline.id, input: { stages: s.without('B') } }))).toEqual(['CONFLICT']);
    // Other stages take deals as ever.
    expect(dataOf(await call(s.head, MOVE, { id: second.id, stageId: s.stage('B').id })).moveDealToStage.stage.name).toBe('B');

    // Expired: a move into a marked stage removes it and goes ahead (the dead editor's write could no longer match).
    await mark('dead-editor-1', new Date(Date.now() - 1));
    expect(dataOf(await call(s.head, MOVE, { id: first.id, stageId: s.stage('C').id })).moveDealToStage.stage.name).toBe('C');
    expect((await PipelineModel.findById(s.pipeline.id).lean<PipelineDoc>())!.stageLock ?? null).toBeNull();
    // Expired again: a new deletion takes its place and goes through.
    await mark('dead-editor-2', new Date(Date.now() - 1));
    const deletion = await call(s.head, UPDATE, { id: s.pipeline.id, input: { stages: s.without('D') } });
    expect(deletion.errors).toBeUndefined();
    const { stored } = await expectNoDealInAGoneStage(s.pipeline.id);
    expect(deletedNames(stored)).toEqual(['D']);
  });
});

describe('deleting the entry stage while a deal is created in it', () => {
  it('createDeal inserting after the stage was found empty vetoes the deletion (CONFLICT): the deal and the stage stay', async () => {
    const s = await setup();
    const creating = holdEntry('create');
    const created = createDeal(s, 'Late');
    await creating.reached;
    const deleting = holdStagesWrite(s.pipeline.id);
    const deletion = call(s.head, UPDATE, { id: s.pipeline.id, input: { stages: s.without('A') } });
    await deleting.reached;

    creating.release();
    const deal = dataOf(await created).createDeal;
    deleting.release();

    expect(deal.stage.name).toBe('A');
    expect(errorCodes(await deletion)).toEqual(['CONFLICT']);
    const { stored } = await expectNoDealInAGoneStage(s.pipeline.id);
    expect(deletedNames(stored)).toEqual([]);
  });

  it('createDeal inserting after the deletion of its entry stage: the deal moves on to the new entry stage', async () => {
    const s = await setup();
    const creating = holdEntry('create');
    const created = createDeal(s, 'Late');
    await creating.reached;
    const deletion = await call(s.head, UPDATE, { id: s.pipeline.id, input: { stages: s.without('A') } });
    expect(deletion.errors).toBeUndefined();
    creating.release();

    const deal = dataOf(await created).createDeal;
    expect(deal.stage.name).toBe('B');
    expect(deal.stageHistory).toEqual([{ from: null, to: { name: 'A' } }, { from: { name: 'A' }, to: { name: 'B' } }]);
    const { stored } = await expectNoDealInAGoneStage(s.pipeline.id);
    expect(deletedNames(stored)).toEqual(['A']);
  });

  it("a converted lead's deal inserted after the deletion of its entry stage moves on to the new entry stage", async () => {
    const s = await setup();
    const leadId = new Types.ObjectId().toString();
    const dealId = new Types.ObjectId().toString();
    const converting = holdEntry('conversion', dealId);
    await producer.send(
      createEvent(LeadConverted, { tenantId: s.head.tenantId, aggregateId: leadId, actorId: s.head.userId }, {
        leadId,
        lead: { name: 'Mara Huber', source: 'WEB_FORM', campaignId: null },
        companyId: s.companyId,
        contactId: new Types.ObjectId().toString(),
        dealId,
        deal: { pipelineId: s.pipeline.id, title: 'Office cleaning', amount: 48000, currency: 'EUR', ownerId: s.head.userId, teamId: null, source: 'WEB_FORM' },
        convertedBy: s.head.userId,
      }),
    );
    await converting.reached;
    const deletion = await call(s.head, UPDATE, { id: s.pipeline.id, input: { stages: s.without('A') } });
    expect(deletion.errors).toBeUndefined();
    converting.release();

    const deal = await waitFor(async () => {
      const stored = await DealModel.findById(dealId).lean<DealDoc>();
      return stored && stored.stageHistory.length === 2 ? stored : null;
    }, { what: 'the converted deal to move on to the new entry stage' });
    expect(deal.stageId.toString()).toBe(s.stage('B').id);
    await expectNoDealInAGoneStage(s.pipeline.id);
  });
});

describe('stress', () => {
  const ALLOWED = ['CONFLICT', 'NOT_FOUND', 'FAILED_PRECONDITION'];
  const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const jitter = () => pause(Math.random() * 25);
  const codesOf = (answers: GraphQLResponse[]) => answers.flatMap((answer) => errorCodes(answer).map(String));

  /** Random delays at both seams: the windows between check and write open wide on each side. */
  function shake() {
    stageRaceSeams.beforeEntryWrite = jitter;
    stageRaceSeams.beforeStagesWrite = jitter;
  }

  it('many moves into a stage while it is being deleted: no deal ends up in a deleted stage, every refusal is CONFLICT, NOT_FOUND or FAILED_PRECONDITION', async () => {
    // Rounds end in any of: the deletion done (moves refused: CONFLICT while it ran, NOT_FOUND
    // after), or refused because a move got in first (later moves then go through).
    const DEALS = 12;
    for (let round = 0; round < 4; round++) {
      const s = await setup();
      const deals = await Promise.all(Array.from({ length: DEALS }, (_, i) => createDeal(s, `Deal ${i}`).then((answer) => dataOf(answer).createDeal)));
      shake();
      const moves = deals.map((deal, i) => pause(i * 8).then(() => call(s.head, MOVE, { id: deal.id, stageId: s.stage('C').id })));
      const deletion = pause(round * 10).then(() => call(s.head, UPDATE, { id: s.pipeline.id, input: { stages: s.without('C') } }));
      const [deleted, ...moved] = await Promise.all([deletion, ...moves]);
      delete stageRaceSeams.beforeEntryWrite;
      delete stageRaceSeams.beforeStagesWrite;

      expect(codesOf([deleted, ...moved]).filter((code) => !ALLOWED.includes(code))).toEqual([]);
      const { stored, deals: after } = await expectNoDealInAGoneStage(s.pipeline.id);
      const inC = after.filter((deal) => deal.stageId.toString() === s.stage('C').id).length;
      // The deletion went through with C empty, or was refused with C in use; each move answered what is stored.
      if (deleted.errors) expect(errorCodes(deleted)).toEqual(['CONFLICT']);
      else expect(deletedNames(stored)).toEqual(['C']);
      expect(moved.filter((answer) => !answer.errors).length).toBe(inC);
    }
  });

  it('many deals created while their entry stage is being deleted: each lands in a stage the pipeline has, none is refused', async () => {
    // Rounds end in any of: the deletion refused (a deal got in first or vetoed it), or done, with
    // deals inserted late moved on to the new entry stage (history A, B) and later ones starting there.
    for (let round = 0; round < 6; round++) {
      const s = await setup();
      shake();
      const creates = Array.from({ length: 10 }, (_, i) => pause(Math.random() * 60).then(() => createDeal(s, `New ${i}`)));
      const deletion = pause(Math.random() * 30).then(() => call(s.head, UPDATE, { id: s.pipeline.id, input: { stages: s.without('A') } }));
      const [deleted, ...created] = await Promise.all([deletion, ...creates]);
      delete stageRaceSeams.beforeEntryWrite;
      delete stageRaceSeams.beforeStagesWrite;

      expect(codesOf(created)).toEqual([]);
      if (deleted.errors) expect(errorCodes(deleted)).toEqual(['CONFLICT']);
      const { deals } = await expectNoDealInAGoneStage(s.pipeline.id);
      expect(deals).toHaveLength(10);
      // Each answer names the stage the deal is stored in.
      const names = new Map(s.pipeline.stages.map((stage) => [stage.id, stage.name]));
      for (const answer of created) {
        const { id, stage } = dataOf(answer).createDeal;
        expect(names.get(deals.find((deal) => deal._id.toString() === id)!.stageId.toString())).toBe(stage.name);
      }
    }
  });
});
