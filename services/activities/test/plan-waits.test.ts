// Plan waits (src/modules/automation/plan-waits.ts): settled entries are deleted once their
// retention is over, without replays creating anything twice; and a plan older than the pipeline
// version a deal event names is waited for like a missing plan.
import { createEvent, DealStageChanged, DealWon, PipelineCreated, PipelineUpdated, topics, type Envelope } from '@crm/events';
import { dayOf } from '@crm/messaging';
import { createTestProducer } from '@crm/messaging/testing';
import { serviceUnderTest, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { ActivityModel } from '../src/modules/activity/activity.model';
import { PipelinePlanModel } from '../src/modules/automation/pipeline-plan.model';
import { PlanWaitModel, planWaitId, type PlanWaitDoc } from '../src/modules/automation/plan-wait.model';
import { deleteSettledPlanWaits, stampSettledBefore } from '../src/modules/automation/plan-waits';
import { startActivities } from '../src/service';

// The clean-up polls every 300 ms here (hourly by default), with the default retention (14 days).
const service = serviceUnderTest('activities', (env) => startActivities({ ...env, PLAN_WAIT_CLEANUP_MS: '300' }), {
  allowedScans: [{ collection: 'plan_waits', keys: 'settledDay,waiting', why: 'the one-off stamp of entries settled before settledDay existed, once per database' }],
});
const producer = createTestProducer();
afterAll(() => producer.close());
void service;

const DAY_MS = 24 * 60 * 60 * 1000;
const newId = () => new Types.ObjectId().toHexString();
const send = (topic: string, ...events: Envelope[]) => producer.sendRaw(topic, ...events.map((event) => ({ key: event.aggregateId, value: JSON.stringify(event) })));
const meta = (tenantId: string, aggregateId: string, occurredAt: string) => ({ tenantId, aggregateId, correlationId: `corr-${aggregateId}`, actorId: 'user-boss', occurredAt: new Date(occurredAt) });

type Step = { id: string; title: string; role: string };
const STEPS: Step[] = [
  { id: 'step-1', title: 'Check the stock', role: 'MANAGER' },
  { id: 'step-2', title: 'Agree volumes', role: 'HEAD_OF_SALES' },
];
const FOLLOW_UPS = [{ title: 'Call about the first delivery', role: 'MANAGER', afterDays: 3 }];

/** A pipeline's data as deals publishes it: stage-b has `steps`; `version` its pipelineVersion (left out: an event from before versions). */
function pipelineData(pipelineId: string, steps: Step[] = STEPS, followUps = FOLLOW_UPS, version?: number) {
  const stage = (id: string, position: number, kind: 'OPEN' | 'WON', keySteps: Step[], expectedDurationDays: number | null) => ({
    id, name: `Stage ${position}`, position, probability: position / 2, kind, task: null, result: null, keySteps, expectedDurationDays, archived: false,
  });
  return {
    pipelineId, name: 'Distribution', strictness: 'WARN' as const,
    stages: [stage('stage-a', 0, 'OPEN', [], null), stage('stage-b', 1, 'OPEN', steps, 7), stage('stage-won', 2, 'WON', [], null)],
    followUps,
    ...(version !== undefined && { pipelineVersion: version }),
  };
}
const created = (tenantId: string, pipelineId: string, at: string, version?: number, steps?: Step[], followUps?: typeof FOLLOW_UPS) =>
  createEvent(PipelineCreated, meta(tenantId, pipelineId, at), { ...pipelineData(pipelineId, steps, followUps, version), templateKey: null });
const updated = (tenantId: string, pipelineId: string, at: string, version: number, steps?: Step[], followUps?: typeof FOLLOW_UPS) =>
  createEvent(PipelineUpdated, meta(tenantId, pipelineId, at), { ...pipelineData(pipelineId, steps, followUps, version), changedFields: ['stages'], deletedStageIds: [] });

const deal = (dealId: string, pipelineId: string) => ({ dealId, title: 'Acme renewal', pipelineId, ownerId: 'user-owner' });
const ref = (id: string, position: number) => ({ id, name: `Stage ${position}`, position });
/** The deal entering stage-b; `version`: the pipelineVersion the move was checked against (left out: an event from before versions). */
const intoB = (tenantId: string, dealId: string, pipelineId: string, at: string, version?: number) =>
  createEvent(DealStageChanged, meta(tenantId, dealId, at), {
    ...deal(dealId, pipelineId), movedBy: 'user-boss', fromStage: ref('stage-a', 0), toStage: ref('stage-b', 1), ...(version !== undefined && { pipelineVersion: version }),
  });
const won = (tenantId: string, dealId: string, pipelineId: string, at: string, version?: number) =>
  createEvent(DealWon, meta(tenantId, dealId, at), {
    ...deal(dealId, pipelineId), companyId: newId(), amount: 1000, currency: 'EUR', stage: { ...ref('stage-won', 2), kind: 'WON' },
    closedAt: new Date(at).toISOString(), wonBy: 'user-owner', ...(version !== undefined && { pipelineVersion: version }),
  });

const subjectsOf = async (tenantId: string, dealId: string) =>
  (await ActivityModel.find({ tenantId, dealId }).lean()).map((task) => `${task.subject} @${task.dueAt?.toISOString()}`).sort();
/** The tasks of a deal once `count` are there and a second passed without more. */
async function settledSubjects(tenantId: string, dealId: string, count: number) {
  await waitFor(async () => (await subjectsOf(tenantId, dealId)).length >= count, { what: `${count} task(s) of deal ${dealId}` });
  await new Promise((done) => setTimeout(done, 1000));
  return subjectsOf(tenantId, dealId);
}
const planStored = (tenantId: string, pipelineId: string, version: number | null) =>
  waitFor(async () => (await PipelinePlanModel.findOne({ tenantId, pipelineId }).lean())?.version === version, { what: `the plan of ${pipelineId} at version ${version}` });
const entryOf = (tenantId: string, dealId: string, kind: 'STAGE' | 'WIN' = 'STAGE') => PlanWaitModel.findById(planWaitId(tenantId, dealId, kind)).lean<PlanWaitDoc>();

const stageTask = 'Stage Stage 1: Acme renewal @2026-03-03T09:30:00.000Z';
const oldSteps = ['Agree volumes: Acme renewal @2026-03-09T09:30:00.000Z', 'Check the stock: Acme renewal @2026-03-09T09:30:00.000Z'];

describe('settled plan waits', () => {
  it('are deleted once their retention is over, by the service\'s clean-up; a replay of the entry then creates nothing twice', async () => {
    const tenantId = testIdentity().tenantId;
    const [pipelineId, dealId] = [newId(), newId()];
    const entered = intoB(tenantId, dealId, pipelineId, '2026-03-02T09:30:00Z');
    await send(topics.deal, entered);
    expect(await settledSubjects(tenantId, dealId, 1)).toEqual([stageTask]);
    expect(await entryOf(tenantId, dealId)).toMatchObject({ waiting: true, settledDay: null });

    await send(topics.pipeline, created(tenantId, pipelineId, '2026-03-01T08:00:00Z'));
    expect(await settledSubjects(tenantId, dealId, 3)).toEqual([...oldSteps, stageTask]);
    // Settled today: kept through the retention (the clean-up polls meanwhile), and deleted after it.
    expect(await entryOf(tenantId, dealId)).toMatchObject({ waiting: false, event: null, settledDay: dayOf(new Date()) });
    expect(await deleteSettledPlanWaits(14, 100)).toBe(0);
    expect(await entryOf(tenantId, dealId)).not.toBeNull();

    // As if settled 15 days ago: the service's clean-up deletes it.
    await PlanWaitModel.updateOne({ _id: planWaitId(tenantId, dealId, 'STAGE') }, { $set: { settledDay: dayOf(new Date(Date.now() - 15 * DAY_MS)) } });
    await waitFor(async () => (await entryOf(tenantId, dealId)) === null, { what: 'the expired entry to be deleted' });

    // Its event again: the tasks have deterministic ids under a unique index, nothing is made twice.
    await send(topics.deal, entered, entered);
    expect(await settledSubjects(tenantId, dealId, 3)).toEqual([...oldSteps, stageTask]);
  });

  it('never deletes an entry still waiting, nor one settled within the retention; a superseded entry replayed within it still makes nothing', async () => {
    const tenantId = testIdentity().tenantId;
    const [pipelineId, waitingDeal, movedOn] = [newId(), newId(), newId()];
    // One deal waits for a plan that never comes; another entered stage-b then went back to stage-a before the plan came.
    const superseded = intoB(tenantId, movedOn, pipelineId, '2026-03-02T09:30:00Z');
    const back = createEvent(DealStageChanged, meta(tenantId, movedOn, '2026-03-04T10:00:00Z'), { ...deal(movedOn, pipelineId), movedBy: 'user-boss', fromStage: ref('stage-b', 1), toStage: ref('stage-a', 0) });
    await send(topics.deal, intoB(tenantId, waitingDeal, newId(), '2026-03-02T09:30:00Z'), superseded, back);
    await settledSubjects(tenantId, movedOn, 2);
    await send(topics.pipeline, created(tenantId, pipelineId, '2026-03-01T08:00:00Z'));
    await waitFor(async () => (await entryOf(tenantId, movedOn))?.waiting === false, { what: 'the entry of the deal that moved on to settle' });

    // A year on, the waiting one is kept all the same; the settled one is deleted only past its retention.
    const later = (days: number) => new Date(Date.now() + days * DAY_MS);
    await deleteSettledPlanWaits(14, 1000, later(14));
    expect(await entryOf(tenantId, movedOn)).not.toBeNull();
    await send(topics.deal, superseded);
    expect(await settledSubjects(tenantId, movedOn, 2)).toEqual(['Stage Stage 0: Acme renewal @2026-03-05T10:00:00.000Z', stageTask]);

    await deleteSettledPlanWaits(14, 1000, later(365));
    expect(await entryOf(tenantId, movedOn)).toBeNull();
    expect(await entryOf(tenantId, waitingDeal)).toMatchObject({ waiting: true });
  });

  it('entries settled before settledDay existed get the day of the first start, once, and expire from it', async () => {
    const tenantId = testIdentity().tenantId;
    const dealId = newId();
    // As stored by the former code: settled, no settledDay.
    await PlanWaitModel.collection.insertOne({
      _id: planWaitId(tenantId, dealId, 'STAGE') as never, tenantId, dealId, kind: 'STAGE', pipelineId: newId(), stageId: 'stage-b', at: new Date('2026-03-02T09:30:00Z'), waiting: false, event: null,
    });
    await PlanWaitModel.db.collection('migrations').deleteOne({ _id: 'plan-waits-settled-day' as never });
    await stampSettledBefore();
    expect((await entryOf(tenantId, dealId))!.settledDay).toBe(dayOf(new Date()));
    await deleteSettledPlanWaits(14, 1000, new Date(Date.now() + 15 * DAY_MS));
    expect(await entryOf(tenantId, dealId)).toBeNull();
  });
});

describe('a plan older than the pipeline version the deal event names', () => {
  it("waits like a missing plan: the key-step tasks come from the stage as updated, once", async () => {
    const tenantId = testIdentity().tenantId;
    const [pipelineId, dealId] = [newId(), newId()];
    await send(topics.pipeline, created(tenantId, pipelineId, '2026-03-01T08:00:00Z', 1));
    await planStored(tenantId, pipelineId, 1);

    // Moved after the pipeline's update (version 2), whose event has not come yet.
    const entered = intoB(tenantId, dealId, pipelineId, '2026-03-02T09:30:00Z', 2);
    await send(topics.deal, entered);
    expect(await settledSubjects(tenantId, dealId, 1)).toEqual([stageTask]);
    expect(await entryOf(tenantId, dealId)).toMatchObject({ waiting: true, pipelineVersion: 2 });

    const newSteps = [{ id: 'step-1', title: 'Check the stock and the shelf', role: 'MANAGER' }, { id: 'step-3', title: 'Send the price list', role: 'MANAGER' }];
    await send(topics.pipeline, updated(tenantId, pipelineId, '2026-03-02T09:00:00Z', 2, newSteps));
    const expected = ['Check the stock and the shelf: Acme renewal @2026-03-09T09:30:00.000Z', 'Send the price list: Acme renewal @2026-03-09T09:30:00.000Z', stageTask];
    expect(await settledSubjects(tenantId, dealId, 3)).toEqual(expected);
    expect(await entryOf(tenantId, dealId)).toMatchObject({ waiting: false });

    // Replays: nothing more.
    await send(topics.deal, entered, entered);
    expect(await settledSubjects(tenantId, dealId, 3)).toEqual(expected);
  });

  it("takes a newer version of the plan even when its event's time is earlier (deals replicas' clocks differ), and no older one after it", async () => {
    const tenantId = testIdentity().tenantId;
    const [pipelineId, dealId] = [newId(), newId()];
    await send(topics.pipeline, created(tenantId, pipelineId, '2026-03-01T08:00:00Z', 1));
    await planStored(tenantId, pipelineId, 1);
    await send(topics.deal, intoB(tenantId, dealId, pipelineId, '2026-03-02T09:30:00Z', 2));
    expect(await settledSubjects(tenantId, dealId, 1)).toEqual([stageTask]);

    const newSteps = [{ id: 'step-3', title: 'Send the price list', role: 'MANAGER' }];
    await send(topics.pipeline, updated(tenantId, pipelineId, '2026-03-01T07:59:59Z', 2, newSteps));
    expect(await settledSubjects(tenantId, dealId, 2)).toEqual(['Send the price list: Acme renewal @2026-03-09T09:30:00.000Z', stageTask]);
    // Version 1 again (a replay), with a later time: the plan stays at version 2.
    await send(topics.pipeline, created(tenantId, pipelineId, '2026-03-03T08:00:00Z', 1));
    await new Promise((done) => setTimeout(done, 1500));
    const plan = (await PipelinePlanModel.findOne({ tenantId, pipelineId }).lean())!;
    expect([plan.version, plan.stages[1]!.keySteps.map((step) => step.title)]).toEqual([2, ['Send the price list']]);
  });

  it("waits for a won deal's follow-ups as updated", async () => {
    const tenantId = testIdentity().tenantId;
    const [pipelineId, dealId] = [newId(), newId()];
    await send(topics.pipeline, created(tenantId, pipelineId, '2026-03-01T08:00:00Z', 3));
    await planStored(tenantId, pipelineId, 3);
    // Won after the pipeline's update (version 4), whose event has not come yet.
    const win = won(tenantId, dealId, pipelineId, '2026-04-01T12:00:00Z', 4);
    await send(topics.deal, win);
    expect(await waitFor(() => entryOf(tenantId, dealId, 'WIN'), { what: 'the win to wait' })).toMatchObject({ waiting: true, pipelineVersion: 4 });
    await new Promise((done) => setTimeout(done, 1000));
    expect(await subjectsOf(tenantId, dealId)).toEqual([]);

    await send(topics.pipeline, updated(tenantId, pipelineId, '2026-04-01T08:00:00Z', 4, STEPS, [{ title: 'Ask for a reference', role: 'MANAGER', afterDays: 30 }]));
    expect(await settledSubjects(tenantId, dealId, 1)).toEqual(['Ask for a reference: Acme renewal @2026-05-01T12:00:00.000Z']);
    expect(await entryOf(tenantId, dealId, 'WIN')).toMatchObject({ waiting: false });
    await send(topics.deal, win);
    expect(await settledSubjects(tenantId, dealId, 1)).toHaveLength(1);
  });

  it('as before versions: an event without one, a plan without one, or a plan newer than the event make the tasks at once', async () => {
    const tenantId = testIdentity().tenantId;
    const [versioned, unversioned] = [newId(), newId()];
    await send(topics.pipeline, created(tenantId, versioned, '2026-03-01T08:00:00Z', 3), created(tenantId, unversioned, '2026-03-01T08:00:00Z'));
    await planStored(tenantId, versioned, 3);
    await planStored(tenantId, unversioned, null);

    const [noVersion, older, anyPlan] = [newId(), newId(), newId()];
    await send(
      topics.deal,
      intoB(tenantId, noVersion, versioned, '2026-03-02T09:30:00Z'),
      intoB(tenantId, older, versioned, '2026-03-02T09:30:00Z', 2),
      intoB(tenantId, anyPlan, unversioned, '2026-03-02T09:30:00Z', 7),
    );
    for (const dealId of [noVersion, older, anyPlan]) {
      expect(await settledSubjects(tenantId, dealId, 3)).toEqual([...oldSteps, stageTask]);
      expect(await entryOf(tenantId, dealId)).toBeNull();
    }
  });
});
