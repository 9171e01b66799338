// Key-step tasks on entering a stage and post-sale follow-ups on a win, from the pipeline's own events; replays create nothing twice.
import { createEvent, DealStageChanged, DealWon, PipelineCreated, PipelineUpdated, topics, type Envelope } from '@crm/events';
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

function pipeline(tenantId: string, pipelineId: string, stepTitle = 'Check the stock') {
  const stage = (id: string, position: number, keySteps: { id: string; title: string; role: string }[], expectedDurationDays: number | null) => ({
    id, name: `Stage ${position}`, position, probability: position / 2, kind: position === 2 ? ('WON' as const) : ('OPEN' as const),
    task: null, result: null, keySteps, expectedDurationDays, archived: false,
  });
  return {
    pipelineId, name: 'Distribution', strictness: 'WARN' as const,
    stages: [
      stage('stage-a', 0, [], null),
      stage('stage-b', 1, [{ id: 'step-1', title: stepTitle, role: 'MANAGER' }, { id: 'step-2', title: 'Agree volumes', role: 'HEAD_OF_SALES' }], 7),
      stage('stage-won', 2, [], null),
    ],
    followUps: [{ title: 'Call about the first delivery', role: 'MANAGER', afterDays: 3 }, { title: 'Ask for a reference', role: 'MANAGER', afterDays: 30 }],
  };
}

const tasksOf = (tenantId: string, dealId: string) =>
  ActivityModel.find({ tenantId, dealId }).sort({ dueAt: 1, subject: 1 }).lean().then((tasks) => tasks.map((t) => ({ subject: t.subject, dueAt: t.dueAt?.toISOString(), assigneeId: t.assigneeId, kind: t.kind, status: t.status })));

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
