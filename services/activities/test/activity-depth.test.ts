// Issue 9: kinds with their own fields, times, participants, update/complete/cancel and their events.
import { readTopics } from '@crm/messaging/testing';
import { topics } from '@crm/events';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { Types } from 'mongoose';
import { ActivityModel } from '../src/modules/activity/activity.model';
import { startActivities } from '../src/service';

const FIELDS = `id kind subject status place outcome userIds campaignId teamId startAt endAt dueAt durationMinutes reminders overdue
  completedAt response cancelledAt cancelReason document { title version sentAt replyReceivedAt replySummary } contacts { id } company { id }`;
const CREATE = `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateActivityInput!) { updateActivity(id: $id, input: $input) { ${FIELDS} } }`;
const COMPLETE = `mutation ($id: ID!, $outcome: String, $durationMinutes: Float, $response: Boolean) {
  completeActivity(id: $id, outcome: $outcome, durationMinutes: $durationMinutes, response: $response) { ${FIELDS} } }`;
const CANCEL = `mutation ($id: ID!, $reason: String) { cancelActivity(id: $id, reason: $reason) { ${FIELDS} } }`;

const service = serviceUnderTest('activities', startActivities);
const newId = () => new Types.ObjectId().toHexString();

describe('an activity in depth', () => {
  const anna = testIdentity(undefined, ['manager']);
  const call = (query: string, variables?: object, identity = anna) => subgraphRequest(service.url, identity, query, variables);
  const create = async (input: object) => dataOf(await call(CREATE, { input })).createActivity;

  it('records an on-site meeting with times, participants, reminders and campaign, and publishes them', async () => {
    const reader = await readTopics([topics.activity]);
    try {
      const [companyId, contactId, campaignId, dealId] = [newId(), newId(), newId(), newId()];
      const meeting = await create({
        kind: 'MEETING', place: 'ON_SITE', subject: 'Walk the warehouse', companyId, dealId, contactIds: [contactId, contactId],
        userIds: ['user-bob'], campaignId, teamId: 'team-north', startAt: '2030-05-06T09:00:00+02:00', endAt: '2030-05-06T11:30:00+02:00',
        reminders: [15, 1440, 15],
      });
      expect(meeting).toMatchObject({
        kind: 'MEETING', place: 'ON_SITE', status: 'PLANNED', userIds: ['user-bob'], campaignId, teamId: 'team-north',
        startAt: '2030-05-06T07:00:00.000Z', endAt: '2030-05-06T09:30:00.000Z', dueAt: null, reminders: [1440, 15], overdue: false,
        contacts: [{ id: contactId }], company: { id: companyId }, document: null,
      });
      const created = await reader.waitFor((m) => m.key === meeting.id && m.event?.type === 'ActivityCreated');
      expect(created.event!.data).toMatchObject({
        place: 'ON_SITE', startAt: '2030-05-06T07:00:00.000Z', endAt: '2030-05-06T09:30:00.000Z', userIds: ['user-bob'], campaignId, teamId: 'team-north',
      });
    } finally {
      await reader.close();
    }
  });

  it('records a document with its paper and the reply', async () => {
    const document = { title: 'Framework contract', version: '2.1', sentAt: '2030-01-10T10:00:00Z', replyReceivedAt: '2030-01-12T10:00:00Z', replySummary: 'Legal wants clause 7 changed' };
    const doc = await create({ kind: 'DOCUMENT', subject: 'Contract draft', dueAt: '2030-01-20T10:00:00Z', document });
    expect(doc.document).toEqual({ ...document, sentAt: '2030-01-10T10:00:00.000Z', replyReceivedAt: '2030-01-12T10:00:00.000Z' });
  });

  it.each([
    [{ kind: 'MEETING', subject: 'No place' }, 'place'],
    [{ kind: 'CALL', subject: 'Placed call', place: 'OFFICE' }, 'place'],
    [{ kind: 'DOCUMENT', subject: 'No paper' }, 'document'],
    [{ kind: 'EMAIL', subject: 'Paper', document: { title: 'x' } }, 'document'],
    [{ kind: 'DOCUMENT', subject: 'Empty title', document: { title: ' ' } }, 'document.title'],
    [{ kind: 'DOCUMENT', subject: 'Reply first', document: { title: 'x', sentAt: '2030-01-02T00:00:00Z', replyReceivedAt: '2030-01-01T00:00:00Z' } }, 'document.replyReceivedAt'],
    [{ kind: 'CALL', subject: 'Start only', startAt: '2030-01-01T10:00:00Z' }, 'endAt'],
    [{ kind: 'CALL', subject: 'Backwards', startAt: '2030-01-01T10:00:00Z', endAt: '2030-01-01T09:00:00Z' }, 'endAt'],
    [{ kind: 'CALL', subject: 'Equal', startAt: '2030-01-01T10:00:00Z', endAt: '2030-01-01T10:00:00Z' }, 'endAt'],
    [{ kind: 'CALL', subject: 'Too long', startAt: '2030-01-01T10:00:00Z', endAt: '2030-01-16T10:00:01Z' }, 'endAt'],
    [{ kind: 'CALL', subject: 'Both', startAt: '2030-01-01T10:00:00Z', endAt: '2030-01-01T11:00:00Z', dueAt: '2030-01-01T11:00:00Z' }, 'dueAt'],
    [{ kind: 'TASK', subject: 'Six reminders', dueAt: '2030-01-01T10:00:00Z', reminders: [1, 2, 3, 4, 5, 6] }, 'reminders'],
    [{ kind: 'TASK', subject: 'Far reminder', dueAt: '2030-01-01T10:00:00Z', reminders: [40321] }, 'reminders.0'],
    [{ kind: 'TASK', subject: 'Negative reminder', dueAt: '2030-01-01T10:00:00Z', reminders: [-1] }, 'reminders.0'],
    [{ kind: 'TASK', subject: 'Undated reminder', reminders: [10] }, 'reminders'],
    [{ kind: 'TASK', subject: 'Long outcome', outcome: 'x'.repeat(2001) }, 'outcome'],
    [{ kind: 'TASK', subject: 'Many users', userIds: Array.from({ length: 21 }, (_, i) => `user-${i}`) }, 'userIds'],
    [{ kind: 'TASK', subject: 'Bad campaign', campaignId: 'nope' }, 'campaignId'],
  ])('refuses %j as BAD_USER_INPUT on %s and stores nothing', async (input, field) => {
    const tenant = testIdentity(undefined, ['manager']);
    const response = await call(CREATE, { input }, tenant);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe(field);
    expect(await ActivityModel.countDocuments({ tenantId: tenant.tenantId })).toBe(0);
  });

  it('derives overdue from the end when there is no due time', async () => {
    const past = await create({ kind: 'CALL', subject: 'Missed call', startAt: '2020-01-01T10:00:00Z', endAt: '2020-01-01T10:15:00Z' });
    expect(past.overdue).toBe(true);
  });

  it('updates a planned activity (absent fields kept, null clears) and refuses one done or cancelled', async () => {
    const task = await create({ kind: 'TASK', subject: 'Send prices', dueAt: '2030-02-01T10:00:00Z', outcome: 'draft ready', reminders: [60] });
    const updated = dataOf(await call(UPDATE, { id: task.id, input: { subject: 'Send the price list', outcome: null, reminders: [30, 120] } })).updateActivity;
    expect(updated).toMatchObject({ subject: 'Send the price list', outcome: null, dueAt: '2030-02-01T10:00:00.000Z', reminders: [120, 30] });
    // The rules hold for the activity as it would be: a task cannot get a place.
    expect(errorCodes(await call(UPDATE, { id: task.id, input: { place: 'OFFICE' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(UPDATE, { id: task.id, input: { dueAt: null } }))).toEqual(['BAD_USER_INPUT']); // reminders need a time
    dataOf(await call(CANCEL, { id: task.id }));
    expect(errorCodes(await call(UPDATE, { id: task.id, input: { subject: 'Late edit' } }))).toEqual(['CONFLICT']);
    expect(errorCodes(await call(UPDATE, { id: newId(), input: { subject: 'Ghost' } }))).toEqual(['NOT_FOUND']);
  });

  it('completes with outcome, duration and response, publishing them once; cancelling it then is a CONFLICT', async () => {
    const reader = await readTopics([topics.activity]);
    try {
      const contactId = newId();
      const send = await create({ kind: 'EMAIL', subject: 'Spring offer', campaignId: newId(), contactIds: [contactId], dueAt: '2030-03-01T10:00:00Z' });
      const done = dataOf(await call(COMPLETE, { id: send.id, outcome: 'Asked for a visit', durationMinutes: 12.5, response: true })).completeActivity;
      expect(done).toMatchObject({ status: 'DONE', outcome: 'Asked for a visit', durationMinutes: 12.5, response: true, completedAt: expect.any(String), overdue: false });
      // Completing again changes nothing; a negative duration is refused before anything is read as done.
      expect(dataOf(await call(COMPLETE, { id: send.id, outcome: 'Other' })).completeActivity.outcome).toBe('Asked for a visit');
      expect(errorCodes(await call(COMPLETE, { id: send.id, durationMinutes: -1 }))).toEqual(['BAD_USER_INPUT']);
      expect(errorCodes(await call(CANCEL, { id: send.id }))).toEqual(['CONFLICT']);
      const message = await reader.waitFor((m) => m.key === send.id && m.event?.type === 'ActivityCompleted');
      expect(message.event!.data).toMatchObject({
        outcome: 'Asked for a visit', durationMinutes: 12.5, response: true, campaignId: send.campaignId, completedAt: done.completedAt, contactIds: [contactId], dueAt: '2030-03-01T10:00:00.000Z',
      });
      expect(reader.messages.filter((m) => m.key === send.id && m.event?.type === 'ActivityCompleted')).toHaveLength(1);
    } finally {
      await reader.close();
    }
  });

  it('cancels a planned activity with its reason, once, publishing ActivityCancelled; completing it then is a CONFLICT', async () => {
    const reader = await readTopics([topics.activity]);
    try {
      const callActivity = await create({ kind: 'CALL', subject: 'Follow up', dueAt: '2030-03-01T10:00:00Z', dealId: newId() });
      const cancelled = dataOf(await call(CANCEL, { id: callActivity.id, reason: 'Client on holiday' })).cancelActivity;
      expect(cancelled).toMatchObject({ status: 'CANCELLED', cancelReason: 'Client on holiday', cancelledAt: expect.any(String), overdue: false });
      expect(dataOf(await call(CANCEL, { id: callActivity.id })).cancelActivity.cancelReason).toBe('Client on holiday');
      expect(errorCodes(await call(COMPLETE, { id: callActivity.id }))).toEqual(['CONFLICT']);
      expect(errorCodes(await call(CANCEL, { id: callActivity.id }, testIdentity(undefined, ['manager'])))).toEqual(['NOT_FOUND']);
      const message = await reader.waitFor((m) => m.key === callActivity.id && m.event?.type === 'ActivityCancelled');
      expect(message.event).toMatchObject({
        tenantId: anna.tenantId,
        data: { activityId: callActivity.id, kind: 'CALL', assigneeId: anna.userId, cancelledBy: anna.userId, reason: 'Client on holiday' },
      });
      expect(reader.messages.filter((m) => m.key === callActivity.id && m.event?.type === 'ActivityCancelled')).toHaveLength(1);
    } finally {
      await reader.close();
    }
  });
});
