import { createEvent, DealStageChanged, parseEvent, topics, type Envelope } from '@crm/events';
import { createLogger } from '@crm/service-kit';
import { createTestProducer, readTopics } from '@crm/messaging/testing';
import { dataOf, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { ActivityModel } from '../src/modules/activity/activity.model';
import { ReminderModel } from '../src/modules/reminder/reminder.model';
import { createStageTask, DEAL_STAGE_TASKS_GROUP } from '../src/modules/activity/deal-stage.consumer';
import { startActivities } from '../src/service';

const LIST = `query ($dealId: ID) { activities(dealId: $dealId) { id kind subject status dueAt assigneeId overdue deal { id } } }`;

const service = serviceUnderTest('activities', startActivities);
const producer = createTestProducer();

/** A deal of a fresh tenant entering "Proposal" on 1 March 2024. */
function stageChanged(dealId = new Types.ObjectId().toHexString(), tenantId = testIdentity().tenantId, title = 'Acme renewal') {
  return createEvent(
    DealStageChanged,
    { tenantId, aggregateId: dealId, correlationId: `corr-${dealId}`, actorId: 'user-mover', occurredAt: new Date('2024-03-01T09:30:00.000Z') },
    {
      dealId,
      title,
      pipelineId: 'pipeline-1',
      ownerId: 'user-owner',
      fromStage: { id: 'stage-1', name: 'Qualified', position: 0 },
      toStage: { id: 'stage-2', name: 'Proposal', position: 1 },
      movedBy: 'user-mover',
    },
  );
}

const send = (...messages: { key: string; value: string }[]) => producer.sendRaw(topics.deal, ...messages);
const asMessage = (event: Envelope) => ({ key: event.aggregateId, value: JSON.stringify(event) });

async function tasksOf(event: Envelope): Promise<any[]> {
  const response = await subgraphRequest(service.url, testIdentity(event.tenantId), LIST, { dealId: event.aggregateId });
  return dataOf(response).activities;
}
const waitForTasks = (event: Envelope, count = 1) =>
  waitFor(async () => {
    const tasks = await tasksOf(event);
    return tasks.length >= count && tasks;
  }, { what: `${count} task(s) for deal ${event.aggregateId}` });

afterAll(() => producer.close());

describe('tasks from deal stage changes', () => {
  it("creates a planned task for the deal's owner and publishes ActivityCreated", async () => {
    const reader = await readTopics([topics.activity]);
    try {
      const event = stageChanged();
      await send(asMessage(event));
      const [task] = await waitForTasks(event);
      expect(task).toEqual({
        id: expect.any(String),
        kind: 'TASK',
        subject: 'Stage Proposal: Acme renewal',
        status: 'PLANNED',
        dueAt: '2024-03-02T09:30:00.000Z',
        assigneeId: 'user-owner',
        overdue: true,
        deal: { id: event.aggregateId },
      });
      const message = await reader.waitFor((m) => m.key === task.id, 'ActivityCreated of the stage task');
      expect(parseEvent(JSON.parse(message.value!))).toMatchObject({
        type: 'ActivityCreated',
        tenantId: event.tenantId,
        causationId: event.id,
        correlationId: event.correlationId,
        data: { activityId: task.id, kind: 'TASK', subject: task.subject, dueAt: task.dueAt, assigneeId: 'user-owner', dealId: event.aggregateId },
      });
    } finally {
      await reader.close();
    }
  });

  it('creates exactly one task when the same event arrives twice', async () => {
    const event = stageChanged();
    // Same key, same partition: once the later event's task shows, both copies were handled.
    const later = stageChanged(event.aggregateId, event.tenantId, 'Later');
    await send(asMessage(event), asMessage(event), asMessage(later));
    await waitForTasks(event, 2);
    const subjects = (await tasksOf(event)).map((task) => task.subject).sort();
    expect(subjects).toEqual(['Stage Proposal: Acme renewal', 'Stage Proposal: Later']);
  });

  it('relies on the unique source event index when the processed-event record is missing', async () => {
    const event = stageChanged();
    const logger = createLogger('test', 'silent');
    await expect(createStageTask(event, logger)).resolves.toBe(true);
    await expect(createStageTask(event, logger)).resolves.toBe(false);
    expect(await ActivityModel.countDocuments({ tenantId: event.tenantId })).toBe(1);
  });

  it('gives an automated task its overdue claim, again when a redelivery finds the task made without it', async () => {
    const event = stageChanged();
    const logger = createLogger('test', 'silent');
    await expect(createStageTask(event, logger)).resolves.toBe(true);
    const task = await ActivityModel.findOne({ tenantId: event.tenantId }).lean();
    const overdue = { tenantId: event.tenantId, activityId: String(task!._id), type: 'OVERDUE' as const };
    expect(await ReminderModel.find(overdue, { fireAt: 1 }).lean()).toEqual([expect.objectContaining({ fireAt: task!.dueAt })]);
    // A crash between the task's insert and its claim: the redelivered event writes the claim.
    await ReminderModel.deleteMany(overdue);
    await expect(createStageTask(event, logger)).resolves.toBe(false);
    expect(await ReminderModel.countDocuments(overdue)).toBe(1);
  });

  it('parks poison messages in the dead-letter topic and goes on with the next event', async () => {
    const reader = await readTopics([topics.deadLetter]);
    try {
      const valid = stageChanged();
      const badData = { ...stageChanged(valid.aggregateId, valid.tenantId), data: { ...valid.data, title: '', toStage: undefined } };
      await send({ key: valid.aggregateId, value: 'not json' }, { key: valid.aggregateId, value: JSON.stringify(badData) }, asMessage(valid));
      expect((await waitForTasks(valid))[0].subject).toBe('Stage Proposal: Acme renewal');

      const ours = (m: { key: string | null; headers: Record<string, string> }) =>
        m.key === valid.aggregateId && m.headers['dlq-consumer'] === DEAL_STAGE_TASKS_GROUP + service.env.KAFKA_GROUP_SUFFIX;
      await waitFor(() => reader.messages.filter(ours).length >= 2, { what: 'both poison messages dead-lettered' });
      const parked = reader.messages.filter(ours);
      expect(parked.map((m) => m.value)).toEqual(['not json', JSON.stringify(badData)]);
      expect(parked[0]!.headers['dlq-reason']).toMatch(/unparseable message/);
      expect(parked[1]!.headers['dlq-reason']).toMatch(/invalid DealStageChanged v1 data/);
      expect(parked.every((m) => m.headers['dlq-consumer']!.startsWith('activities.deal-stage-tasks'))).toBe(true);
      expect(parked[0]!.headers['dlq-source-topic']).toBe(topics.deal);
    } finally {
      await reader.close();
    }
  });
});
