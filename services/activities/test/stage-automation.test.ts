// Key-step tasks on entering a stage and post-sale follow-ups on a win, from the pipeline's own events; replays create nothing twice.
import { createEvent, DealReopened, DealStageChanged, DealWon, PipelineCreated, PipelineUpdated, topics, type Envelope } from '@crm/events';
import { createTestProducer } from '@crm/messaging/testing';
import { serviceUnderTest, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { ActivityModel } from '../src/modules/activity/activity.model';
import { PipelinePlanModel } from '../src/modules/automation/pipeline-plan.model';
import { startActivities } from '../src/service';

const service = serviceUnderTest('activities', startActivities);
const producer = createTestProducer();
afterAll(() => producer.close());

const newId = () => new Types.ObjectId().toHexString();
const send = (topic: string, ...events: Envelope[]) => producer.sendRaw(topic, ...events.map((event) => ({ key: event.aggregateId, value: JSON.stringify(event) })));
const meta = (tenantId: string, aggregateId: string, occurredAt: string) => ({ tenantId, aggregateId, correlationId: `corr-${aggregateId}`, actorId: 'user-boss', occurredAt: new Date(occurredAt) });

function pipeline(tenantId: string, pipelineId: string, stepTitle = 'Check the stock', firstStageSteps: { id: string; title: string; role: string }[] = []) {
  const kinds = ['OPEN', 'OPEN', 'WON', 'POST_SALE'] as const;
  const stage = (id: string, position: number, keySteps: { id: string; title: string; role: string }[], expectedDurationDays: number | null) => ({
    id, name: `Stage ${position}`, position, probability: Math.min(1, position / 2), kind: kinds[position]!,
    task: null, result: null, keySteps, expectedDurationDays, archived: false,
  });
  return {
    pipelineId, name: 'Distribution', strictness: 'WARN' as const,
    stages: [
      stage('stage-a', 0, firstStageSteps, null),
      stage('stage-b', 1, [{ id: 'step-1', title: stepTitle, role: 'MANAGER' }, { id: 'step-2', title: 'Agree volumes', role: 'HEAD_OF_SALES' }], 7),
      stage('stage-won', 2, [], null),
      stage('stage-after', 3, [], null),
    ],
    followUps: [{ title: 'Call about the first delivery', role: 'MANAGER', afterDays: 3 }, { title: 'Ask for a reference', role: 'MANAGER', afterDays: 30 }],
  };
}

const tasksOf = (tenantId: string, dealId: string) =>
  ActivityModel.find({ tenantId, dealId }).sort({ dueAt: 1, subject: 1 }).lean().then((tasks) => tasks.map((t) => ({ subject: t.subject, dueAt: t.dueAt?.toISOString(), assigneeId: t.assigneeId, kind: t.kind, status: t.status })));

const ref = (position: number) => ({ id: ['stage-a', 'stage-b', 'stage-won', 'stage-after'][position]!, name: `Stage ${position}`, position });
const dealFields = (dealId: string, pipelineId: string) => ({ dealId, title: 'Acme renewal', pipelineId, ownerId: 'user-owner' });
const moved = (tenantId: string, dealId: string, pipelineId: string, from: number, to: number, at: string) =>
  createEvent(DealStageChanged, meta(tenantId, dealId, at), { ...dealFields(dealId, pipelineId), movedBy: 'user-boss', fromStage: ref(from), toStage: ref(to) });
const wonAt = (tenantId: string, dealId: string, pipelineId: string, at: string) =>
  createEvent(DealWon, meta(tenantId, dealId, at), {
    ...dealFields(dealId, pipelineId), companyId: newId(), amount: 1000, currency: 'EUR', stage: { ...ref(2), kind: 'WON' }, closedAt: new Date(at).toISOString(), wonBy: 'user-owner',
  });
const pipelineCreated = (tenantId: string, pipelineId: string, at: string, firstStageSteps: { id: string; title: string; role: string }[] = []) =>
  createEvent(PipelineCreated, meta(tenantId, pipelineId, at), { ...pipeline(tenantId, pipelineId, undefined, firstStageSteps), templateKey: null });
const pipelineUpdated = (tenantId: string, pipelineId: string, at: string, firstStageSteps: { id: string; title: string; role: string }[] = []) =>
  createEvent(PipelineUpdated, meta(tenantId, pipelineId, at), { ...pipeline(tenantId, pipelineId, undefined, firstStageSteps), changedFields: ['stages'], deletedStageIds: [] });
const subjectsOf = async (tenantId: string, dealId: string) => (await tasksOf(tenantId, dealId)).map((task) => `${task.subject} @${task.dueAt}`).sort();
/** The tasks of a deal once `count` are there and a second passed without more. */
async function settledSubjects(tenantId: string, dealId: string, count: number) {
  await waitFor(async () => (await tasksOf(tenantId, dealId)).length >= count, { what: `${count} task(s) of deal ${dealId}` });
  await new Promise((done) => setTimeout(done, 1000));
  return subjectsOf(tenantId, dealId);
}

describe('automation from stages', () => {
  it("creates the entered stage's key-step tasks for the deal owner once, due when the stage's expected duration ends", async () => {
    const tenantId = testIdentity().tenantId;
    const [pipelineId, dealId] = [newId(), newId()];
    await send(topics.pipeline, createEvent(PipelineCreated, meta(tenantId, pipelineId, '2026-03-01T08:00:00Z'), { ...pipeline(tenantId, pipelineId), templateKey: null }));
    await waitFor(() => PipelinePlanModel.findOne({ tenantId, pipelineId }).lean(), { what: 'the pipeline plan' });

    const entered = createEvent(DealStageChanged, meta(tenantId, dealId, '2026-03-02T09:30:00Z'), {
      dealId, title: 'Acme renewal', pipelineId, ownerId: 'user-owner', movedBy: 'user-boss',
      fromStage: { id: 'stage-a', name: 'Stage 0', position: 0 }, toStage: { id: 'stage-b', name: 'Stage 1', position: 1 },
    });
    // The same event three times (a replay): the tasks exist once.
    await send(topics.deal, entered, entered);
    await send(topics.deal, entered);
    await waitFor(async () => (await tasksOf(tenantId, dealId)).length >= 3, { what: 'the stage and key-step tasks' });
    await new Promise((done) => setTimeout(done, 1000));
    expect(await tasksOf(tenantId, dealId)).toEqual([
      { subject: 'Stage Stage 1: Acme renewal', dueAt: '2026-03-03T09:30:00.000Z', assigneeId: 'user-owner', kind: 'TASK', status: 'PLANNED' },
      { subject: 'Agree volumes: Acme renewal', dueAt: '2026-03-09T09:30:00.000Z', assigneeId: 'user-owner', kind: 'TASK', status: 'PLANNED' },
      { subject: 'Check the stock: Acme renewal', dueAt: '2026-03-09T09:30:00.000Z', assigneeId: 'user-owner', kind: 'TASK', status: 'PLANNED' },
    ]);
    expect((await ActivityModel.find({ tenantId, dealId }).lean()).map((t) => t.sourceEventId).sort()).toEqual([entered.id, `${entered.id}:step:step-1`, `${entered.id}:step:step-2`]);
  });

  it('follows the pipeline as updated, never as an older event said', async () => {
    const tenantId = testIdentity().tenantId;
    const pipelineId = newId();
    const updated = createEvent(PipelineUpdated, meta(tenantId, pipelineId, '2026-03-05T08:00:00Z'), { ...pipeline(tenantId, pipelineId, 'Renamed step'), changedFields: ['stages'], deletedStageIds: [] });
    const created = createEvent(PipelineCreated, meta(tenantId, pipelineId, '2026-03-01T08:00:00Z'), { ...pipeline(tenantId, pipelineId), templateKey: null });
    // The update first, then the older creation (a replay of the topic, say): the update stays.
    await send(topics.pipeline, updated, created);
    const plan = await waitFor(async () => {
      const found = await PipelinePlanModel.findOne({ tenantId, pipelineId }).lean();
      return found && found;
    }, { what: 'the pipeline plan' });
    await new Promise((done) => setTimeout(done, 1000));
    expect((await PipelinePlanModel.findOne({ tenantId, pipelineId }).lean())!.stages[1]!.keySteps[0]!.title).toBe('Renamed step');
    expect(plan.eventAt.toISOString()).toBe('2026-03-05T08:00:00.000Z');
  });

  it("schedules the pipeline's post-sale follow-ups once for a won deal", async () => {
    const tenantId = testIdentity().tenantId;
    const [pipelineId, dealId, companyId] = [newId(), newId(), newId()];
    await send(topics.pipeline, createEvent(PipelineCreated, meta(tenantId, pipelineId, '2026-03-01T08:00:00Z'), { ...pipeline(tenantId, pipelineId), templateKey: null }));
    await waitFor(() => PipelinePlanModel.findOne({ tenantId, pipelineId }).lean(), { what: 'the pipeline plan' });
    const won = createEvent(DealWon, meta(tenantId, dealId, '2026-04-01T12:00:00Z'), {
      dealId, title: 'Acme renewal', pipelineId, ownerId: 'user-owner', companyId, amount: 1000, currency: 'EUR',
      stage: { id: 'stage-won', name: 'Stage 2', position: 2, kind: 'WON' }, closedAt: '2026-04-01T12:00:00.000Z', wonBy: 'user-owner',
    });
    await send(topics.deal, won, won);
    await waitFor(async () => (await tasksOf(tenantId, dealId)).length >= 2, { what: 'the follow-ups' });
    await new Promise((done) => setTimeout(done, 1000));
    expect(await tasksOf(tenantId, dealId)).toEqual([
      { subject: 'Call about the first delivery: Acme renewal', dueAt: '2026-04-04T12:00:00.000Z', assigneeId: 'user-owner', kind: 'TASK', status: 'PLANNED' },
      { subject: 'Ask for a reference: Acme renewal', dueAt: '2026-05-01T12:00:00.000Z', assigneeId: 'user-owner', kind: 'TASK', status: 'PLANNED' },
    ]);
    expect((await ActivityModel.findOne({ tenantId, dealId }).lean())!.companyId).toBe(companyId);
  });
});

describe('automation when the pipeline plan comes after the deal event', () => {
  const keySteps = ['Agree volumes: Acme renewal @2026-03-09T09:30:00.000Z', 'Check the stock: Acme renewal @2026-03-09T09:30:00.000Z'];

  it("creates the key-step tasks of a stage entered before its pipeline's plan came, once, also after replays", async () => {
    const tenantId = testIdentity().tenantId;
    const [pipelineId, dealId] = [newId(), newId()];
    const entered = moved(tenantId, dealId, pipelineId, 0, 1, '2026-03-02T09:30:00Z');
    await send(topics.deal, entered);
    // The stage task shows: the entry was handled, without a plan.
    expect(await settledSubjects(tenantId, dealId, 1)).toEqual(['Stage Stage 1: Acme renewal @2026-03-03T09:30:00.000Z']);

    const created = pipelineCreated(tenantId, pipelineId, '2026-03-01T08:00:00Z');
    await send(topics.pipeline, created);
    expect(await settledSubjects(tenantId, dealId, 3)).toEqual([...keySteps, 'Stage Stage 1: Acme renewal @2026-03-03T09:30:00.000Z']);

    // Replays of both, and a later update of the plan: nothing more.
    await send(topics.deal, entered, entered);
    await send(topics.pipeline, created, pipelineUpdated(tenantId, pipelineId, '2026-03-05T08:00:00Z'));
    await waitFor(async () => (await PipelinePlanModel.findOne({ tenantId, pipelineId }).lean())?.eventAt.toISOString() === '2026-03-05T08:00:00.000Z', { what: 'the updated plan' });
    expect(await settledSubjects(tenantId, dealId, 3)).toHaveLength(3);
    expect((await ActivityModel.find({ tenantId, dealId }).lean()).map((t) => t.sourceEventId).sort()).toEqual([entered.id, `${entered.id}:step:step-1`, `${entered.id}:step:step-2`]);
  });

  it('creates the key-step tasks of a stage the plan learns only from a later update', async () => {
    const tenantId = testIdentity().tenantId;
    const [pipelineId, dealId] = [newId(), newId()];
    // The plan as first created has no stage-b yet.
    const early = createEvent(PipelineCreated, meta(tenantId, pipelineId, '2026-03-01T08:00:00Z'), {
      ...pipeline(tenantId, pipelineId), stages: pipeline(tenantId, pipelineId).stages.filter((stage) => stage.id !== 'stage-b'), templateKey: null,
    });
    await send(topics.pipeline, early);
    await waitFor(() => PipelinePlanModel.findOne({ tenantId, pipelineId }).lean(), { what: 'the first plan' });
    await send(topics.deal, moved(tenantId, dealId, pipelineId, 0, 1, '2026-03-02T09:30:00Z'));
    expect(await settledSubjects(tenantId, dealId, 1)).toHaveLength(1);

    await send(topics.pipeline, pipelineUpdated(tenantId, pipelineId, '2026-03-02T08:00:00Z'));
    expect(await settledSubjects(tenantId, dealId, 3)).toEqual([...keySteps, 'Stage Stage 1: Acme renewal @2026-03-03T09:30:00.000Z']);
  });

  it('gives no key-step tasks for a stage the deal left before the plan came, only for the one it is in', async () => {
    const tenantId = testIdentity().tenantId;
    const [pipelineId, dealId] = [newId(), newId()];
    const intoB = moved(tenantId, dealId, pipelineId, 0, 1, '2026-03-02T09:30:00Z');
    const backToA = moved(tenantId, dealId, pipelineId, 1, 0, '2026-03-04T10:00:00Z');
    await send(topics.deal, intoB, backToA);
    expect(await settledSubjects(tenantId, dealId, 2)).toHaveLength(2);

    await send(topics.pipeline, pipelineCreated(tenantId, pipelineId, '2026-03-01T08:00:00Z', [{ id: 'step-0', title: 'Qualify again', role: 'MANAGER' }]));
    const expected = ['Qualify again: Acme renewal @2026-03-05T10:00:00.000Z', 'Stage Stage 0: Acme renewal @2026-03-05T10:00:00.000Z', 'Stage Stage 1: Acme renewal @2026-03-03T09:30:00.000Z'];
    expect(await settledSubjects(tenantId, dealId, 3)).toEqual(expected);
    // A replay of the earlier entry, now that the plan knows its stage: still nothing for the stage it left.
    await send(topics.deal, intoB);
    expect(await settledSubjects(tenantId, dealId, 3)).toEqual(expected);
  });

  it("schedules a won deal's follow-ups once when the plan comes after the win, and none for a deal reopened before it", async () => {
    const tenantId = testIdentity().tenantId;
    const [pipelineId, keptWon, reopened] = [newId(), newId(), newId()];
    const won = wonAt(tenantId, keptWon, pipelineId, '2026-04-01T12:00:00Z');
    // Each deal's events are in order on its partition: its last one's stage task shows when all were handled.
    await send(topics.deal, won, moved(tenantId, keptWon, pipelineId, 2, 3, '2026-04-02T12:00:00Z'));
    const wonAgain = wonAt(tenantId, reopened, pipelineId, '2026-04-01T12:00:00Z');
    const reopening = createEvent(DealReopened, meta(tenantId, reopened, '2026-04-03T12:00:00Z'), {
      ...dealFields(reopened, pipelineId), previousStatus: 'WON', fromStage: { ...ref(2), kind: 'WON' }, toStage: { ...ref(0), kind: 'OPEN' }, reopenedBy: 'user-boss',
    });
    await send(topics.deal, wonAgain, reopening, moved(tenantId, reopened, pipelineId, 0, 1, '2026-04-04T12:00:00Z'));
    expect(await settledSubjects(tenantId, keptWon, 1)).toEqual(['Stage Stage 3: Acme renewal @2026-04-03T12:00:00.000Z']);
    expect(await settledSubjects(tenantId, reopened, 1)).toEqual(['Stage Stage 1: Acme renewal @2026-04-05T12:00:00.000Z']);

    await send(topics.pipeline, pipelineCreated(tenantId, pipelineId, '2026-03-01T08:00:00Z'));
    const followUps = [
      'Ask for a reference: Acme renewal @2026-05-01T12:00:00.000Z',
      'Call about the first delivery: Acme renewal @2026-04-04T12:00:00.000Z',
      'Stage Stage 3: Acme renewal @2026-04-03T12:00:00.000Z',
    ];
    // The reopened deal: the key steps of the stage it entered after the reopening, no follow-ups.
    const afterReopening = [
      'Agree volumes: Acme renewal @2026-04-11T12:00:00.000Z',
      'Check the stock: Acme renewal @2026-04-11T12:00:00.000Z',
      'Stage Stage 1: Acme renewal @2026-04-05T12:00:00.000Z',
    ];
    expect(await settledSubjects(tenantId, keptWon, 3)).toEqual(followUps);
    expect(await settledSubjects(tenantId, reopened, 3)).toEqual(afterReopening);

    // Replays of the wins and the reopening, and a later update of the plan: nothing more.
    await send(topics.deal, won, wonAgain, reopening);
    await send(topics.pipeline, pipelineUpdated(tenantId, pipelineId, '2026-04-10T08:00:00Z'));
    await waitFor(async () => (await PipelinePlanModel.findOne({ tenantId, pipelineId }).lean())?.eventAt.toISOString() === '2026-04-10T08:00:00.000Z', { what: 'the updated plan' });
    expect(await settledSubjects(tenantId, keptWon, 3)).toEqual(followUps);
    expect(await settledSubjects(tenantId, reopened, 3)).toEqual(afterReopening);
  });
});
