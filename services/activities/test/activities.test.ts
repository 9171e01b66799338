import { readTopics } from '@crm/messaging/testing';
import { parseEvent, topics } from '@crm/events';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { ActivityModel } from '../src/modules/activity/activity.model';
import { startActivities } from '../src/service';

const FIELDS = 'id kind subject status dueAt assigneeId deal { id } overdue createdAt';
const CREATE = `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { ${FIELDS} } }`;
const ONE = `query ($id: ID!) { activity(id: $id) { ${FIELDS} } }`;
const LIST = `query ($dealId: ID, $assigneeId: ID) { activities(dealId: $dealId, assigneeId: $assigneeId) { id subject } }`;

const service = serviceUnderTest('activities', startActivities);
const carol = testIdentity(undefined, ['manager']);
const call = (query: string, variables?: object, identity = carol) => subgraphRequest(service.url, identity, query, variables);
const newDealId = () => new Types.ObjectId().toHexString();


describe('activities', () => {
  it('creates a planned activity for the caller, linked to its deal, and reads it back', async () => {
    const dealId = newDealId();
    const input = { kind: 'CALL', subject: '  Call about the offer  ', dueAt: '2030-01-15T09:00:00+01:00', dealId };
    const { createActivity } = dataOf(await call(CREATE, { input }));
    expect(createActivity).toEqual({
      id: expect.any(String),
      kind: 'CALL',
      subject: 'Call about the offer',
      status: 'PLANNED',
      dueAt: '2030-01-15T08:00:00.000Z',
      assigneeId: carol.userId,
      deal: { id: dealId },
      overdue: false,
      createdAt: expect.any(String),
    });
    expect(dataOf(await call(ONE, { id: createActivity.id })).activity).toEqual(createActivity);
    // A manual activity is its own idempotency key, so the unique index never sees missing values.
    expect((await ActivityModel.findById(createActivity.id).lean())?.sourceEventId).toBe(createActivity.id);
  });

  it('derives overdue from a planned activity due in the past', async () => {
    const past = dataOf(await call(CREATE, { input: { kind: 'TASK', subject: 'Send the contract', dueAt: '2020-01-01T00:00:00Z' } })).createActivity;
    const undated = dataOf(await call(CREATE, { input: { kind: 'NOTE', subject: 'Likes golf' } })).createActivity;
    expect(past).toMatchObject({ overdue: true, deal: null });
    expect(undated).toMatchObject({ overdue: false, dueAt: null });
  });

  it("lists a deal's activities latest due first, undated last, and filters by assignee", async () => {
    // An admin: assigning to others and reading their lists needs ALL scope (a manager's rights are their own, rights.e2e).
    const tenant = testIdentity(undefined, ['admin']);
    const dealId = newDealId();
    const create = (subject: string, dueAt: string | null, assigneeId?: string) =>
      call(CREATE, { input: { kind: 'MEETING', place: 'OFFICE', subject, dueAt, dealId, assigneeId } }, tenant).then((r) => dataOf(r).createActivity);
    await create('January', '2030-01-01T10:00:00Z');
    await create('Undated', null, 'user-dave');
    await create('June', '2030-06-01T10:00:00Z', 'user-dave');
    dataOf(await call(CREATE, { input: { kind: 'CALL', subject: 'Other deal' } }, tenant));

    const byDeal = dataOf(await call(LIST, { dealId }, tenant)).activities;
    expect(byDeal.map((a: any) => a.subject)).toEqual(['June', 'January', 'Undated']);
    const byAssignee = dataOf(await call(LIST, { assigneeId: 'user-dave' }, tenant)).activities;
    expect(byAssignee.map((a: any) => a.subject)).toEqual(['June', 'Undated']);
    expect(dataOf(await call(LIST, {}, tenant)).activities).toHaveLength(4);
  });

  it.each([
    [{ kind: 'TASK', subject: '   ' }, 'subject'],
    [{ kind: 'TASK', subject: 'x'.repeat(301) }, 'subject'],
    [{ kind: 'TASK', subject: 'X', dealId: 'nope' }, 'dealId'],
    [{ kind: 'TASK', subject: 'X', dueAt: 'tomorrow' }, 'dueAt'],
    [{ kind: 'TASK', subject: 'X', assigneeId: ' ' }, 'assigneeId'],
  ])('rejects %j as BAD_USER_INPUT on %s and writes nothing', async (input, field) => {
    const tenant = testIdentity(undefined, ['manager']);
    const response = await call(CREATE, { input }, tenant);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe(field);
    expect(response.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
    expect(await ActivityModel.countDocuments({ tenantId: tenant.tenantId })).toBe(0);
  });

  it('rejects an unknown kind and a malformed deal filter', async () => {
    expect(errorCodes(await call(CREATE, { input: { kind: 'LUNCH', subject: 'X' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(LIST, { dealId: 'nope' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('keeps tenants apart', async () => {
    const dealId = newDealId();
    const { createActivity } = dataOf(await call(CREATE, { input: { kind: 'DEMO', subject: 'Private demo', dealId } }));
    const mallory = testIdentity(undefined, ['admin']);
    expect(dataOf(await call(ONE, { id: createActivity.id }, mallory)).activity).toBeNull();
    expect(dataOf(await call(LIST, { dealId }, mallory)).activities).toEqual([]);
    expect(dataOf(await call(LIST, {}, mallory)).activities).toEqual([]);
  });

  it('refuses requests that do not come through the gateway', async () => {
    const response = await fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ activities { id } }' }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('publishes ActivityCreated keyed by the activity id through the outbox', async () => {
    const reader = await readTopics([topics.activity]);
    try {
      const dealId = newDealId();
      const { createActivity } = dataOf(await call(CREATE, { input: { kind: 'EMAIL', subject: 'Send prices', dueAt: '2030-03-01T12:00:00Z', dealId } }));
      const message = await reader.waitFor((m) => m.key === createActivity.id);
      expect(parseEvent(JSON.parse(message.value!))).toMatchObject({
        type: 'ActivityCreated',
        version: 1,
        source: 'activities',
        tenantId: carol.tenantId,
        aggregateId: createActivity.id,
        actorId: carol.userId,
        data: {
          activityId: createActivity.id,
          kind: 'EMAIL',
          subject: 'Send prices',
          status: 'PLANNED',
          dueAt: '2030-03-01T12:00:00.000Z',
          assigneeId: carol.userId,
          dealId,
        },
      });
      expect(message.headers['event-type']).toBe('ActivityCreated');
      // The relay clears the outbox after the broker's ack, so a moment after the reader saw it.
      await waitFor(async () => (await ActivityModel.findById(createActivity.id).lean())?.outbox.length === 0, { what: 'the outbox emptied' });
    } finally {
      await reader.close();
    }
  });

  it('publishes ActivityUpdated with the fields that changed, and nothing for an update that changes nothing', async () => {
    const reader = await readTopics([topics.activity]);
    try {
      const { createActivity } = dataOf(await call(CREATE, { input: { kind: 'CALL', subject: 'Call about the renewal', dueAt: '2030-04-01T09:00:00Z' } }));
      const UPDATE = `mutation ($id: ID!, $input: UpdateActivityInput!) { updateActivity(id: $id, input: $input) { id subject assigneeId } }`;
      const colleague = testIdentity(carol.tenantId, ['manager']).userId;
      const admin = testIdentity(carol.tenantId, ['admin']);
      // The same values again: a write without an event.
      dataOf(await call(UPDATE, { id: createActivity.id, input: { subject: 'Call about the renewal' } }));
      dataOf(await call(UPDATE, { id: createActivity.id, input: { dueAt: '2030-04-02T09:00:00Z', assigneeId: colleague } }, admin));
      const message = await reader.waitFor((m) => m.key === createActivity.id && m.event?.type === 'ActivityUpdated');
      expect(parseEvent(JSON.parse(message.value!))).toMatchObject({
        type: 'ActivityUpdated',
        actorId: admin.userId,
        data: {
          activityId: createActivity.id,
          kind: 'CALL',
          subject: 'Call about the renewal',
          assigneeId: colleague,
          dueAt: '2030-04-02T09:00:00.000Z',
          changes: [
            { field: 'dueAt', from: '2030-04-01T09:00:00.000Z', to: '2030-04-02T09:00:00.000Z' },
            { field: 'assigneeId', from: carol.userId, to: colleague },
          ],
          updatedBy: admin.userId,
        },
      });
      expect(reader.messages.filter((m) => m.key === createActivity.id && m.event?.type === 'ActivityUpdated')).toHaveLength(1);
    } finally {
      await reader.close();
    }
  });

  it('completes a planned activity once, publishing ActivityCompleted, and refuses what it cannot complete', async () => {
    const reader = await readTopics([topics.activity]);
    try {
      const dealId = newDealId();
      const { createActivity } = dataOf(await call(CREATE, { input: { kind: 'MEETING', place: 'ON_SITE', subject: 'Site visit', dealId } }));
      const COMPLETE = `mutation ($id: ID!) { completeActivity(id: $id) { id status } }`;
      expect(dataOf(await call(COMPLETE, { id: createActivity.id })).completeActivity).toEqual({ id: createActivity.id, status: 'DONE' });
      // Again: the same answer, nothing published a second time.
      expect(dataOf(await call(COMPLETE, { id: createActivity.id })).completeActivity).toEqual({ id: createActivity.id, status: 'DONE' });
      const message = await reader.waitFor((m) => m.key === createActivity.id && m.event?.type === 'ActivityCompleted');
      expect(parseEvent(JSON.parse(message.value!))).toMatchObject({
        type: 'ActivityCompleted',
        source: 'activities',
        tenantId: carol.tenantId,
        actorId: carol.userId,
        data: { activityId: createActivity.id, kind: 'MEETING', subject: 'Site visit', assigneeId: carol.userId, completedBy: carol.userId, dealId },
      });

      const cancelled = await ActivityModel.create({ tenantId: carol.tenantId, kind: 'CALL', subject: 'Call', status: 'CANCELLED', assigneeId: carol.userId });
      expect(errorCodes(await call(COMPLETE, { id: cancelled._id.toString() }))).toEqual(['CONFLICT']);
      expect(errorCodes(await call(COMPLETE, { id: createActivity.id }, testIdentity(undefined, ['admin'])))).toEqual(['NOT_FOUND']);
      expect(errorCodes(await call(COMPLETE, { id: 'nope' }))).toEqual(['BAD_USER_INPUT']);
      // Only the one completion reached the topic.
      expect(reader.messages.filter((m) => m.event?.type === 'ActivityCompleted' && m.key === createActivity.id)).toHaveLength(1);
      expect((await ActivityModel.findById(cancelled._id).lean())?.status).toBe('CANCELLED');
    } finally {
      await reader.close();
    }
  });
});
