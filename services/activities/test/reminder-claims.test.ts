// An activity's reminder claims are written after the activity, in a second write: a crash or a
// store failure between the two must lose no reminder and no overdue notice. The activity carries
// a mark written with it; the scheduler's sweep brings the claims of marked activities in line.
import { topics } from '@crm/events';
import { readTopics, type TopicReader } from '@crm/messaging/testing';
import { dataOf, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { ActivityModel } from '../src/modules/activity/activity.model';
import { ReminderModel } from '../src/modules/reminder/reminder.model';
import { syncReminders } from '../src/modules/reminder/reminder.claims';
import { startActivities } from '../src/service';

// LOG_LEVEL error: the failed claim writes this file makes are logged as warnings.
const service = serviceUnderTest('activities', (env) => startActivities({ ...env, REMINDER_POLL_MS: '100', REMINDER_BATCH: '5', LOG_LEVEL: 'error' }));
const CREATE = `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateActivityInput!) { updateActivity(id: $id, input: $input) { id } }`;
const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Every claim write of the service fails while `failing` is set: the store lost between the activity's write and its claims'. */
let failing = false;
const bulkWrite = ReminderModel.bulkWrite.bind(ReminderModel);
beforeAll(() => {
  jest.spyOn(ReminderModel, 'bulkWrite').mockImplementation(((...args: Parameters<typeof bulkWrite>) =>
    failing ? Promise.reject(new Error('store unreachable')) : bulkWrite(...args)) as typeof bulkWrite);
});
afterAll(() => jest.restoreAllMocks());

describe('reminder claims after a lost claims write', () => {
  const anna = testIdentity(undefined, ['manager']);
  const call = (query: string, variables: object) => subgraphRequest(service.url, anna, query, variables).then(dataOf);
  let reader: TopicReader;
  beforeAll(async () => {
    reader = await readTopics([topics.activity]);
  });
  afterAll(() => reader.close());

  /** Each distinct reminder event of the activity (copies of one event id count once), as `<type> <time>`. */
  const firedFor = (activityId: string) =>
    [...new Map(
      reader.messages
        .filter((m) => m.key === activityId && (m.event?.type === 'ActivityReminderDue' || m.event?.type === 'TaskOverdue'))
        .map((m) => [m.event!.id, `${m.event!.type} ${(m.event!.data as any).startsAt ?? (m.event!.data as any).dueAt}`]),
    ).values()].sort();
  const claimsOf = (activityId: string) => ReminderModel.find({ tenantId: anna.tenantId, activityId }).lean();
  const markOf = async (activityId: string) => (await ActivityModel.findOne({ _id: activityId, tenantId: anna.tenantId }).lean())!.claimsPending;

  it('fires the reminder and the overdue notice of an activity created while its claims could not be written, once each', async () => {
    const dueAt = inSeconds(3);
    failing = true;
    let answer: any;
    try {
      // The activity is written; its claims are not (the sweep fails too meanwhile).
      answer = await subgraphRequest(service.url, anna, CREATE, { input: { kind: 'CALL', subject: 'Call back', dueAt, reminders: [0] } });
      await pause(300);
    } finally {
      failing = false;
    }
    const id = String((await ActivityModel.findOne({ tenantId: anna.tenantId, subject: 'Call back' }).lean())!._id);
    await waitFor(() => firedFor(id).length >= 2, { timeoutMs: 30_000, what: 'the reminder and the overdue notice' });
    await pause(1000); // more polls: nothing more may come
    expect(firedFor(id)).toEqual([`ActivityReminderDue ${dueAt}`, `TaskOverdue ${dueAt}`]);
    // The answer was the activity (it was written: a client told otherwise would create it again), and the mark is cleared.
    expect(dataOf<any>(answer).createActivity.id).toBe(id);
    expect(await markOf(id)).toBe(false);
  });

  it('reminds a rescheduled activity at its new time only, once, when the claims write of the change failed', async () => {
    const id = (await call(CREATE, { input: { kind: 'CALL', subject: 'Moved', dueAt: inSeconds(3600), reminders: [0] } })).createActivity.id;
    await waitFor(async () => (await claimsOf(id)).length === 2, { what: 'the first claims' });
    const newDue = inSeconds(3);
    failing = true;
    let answer: any;
    try {
      answer = await subgraphRequest(service.url, anna, UPDATE, { id, input: { dueAt: newDue } });
      await pause(300);
      expect((await claimsOf(id)).filter((claim) => claim.fireAt.toISOString() === newDue)).toEqual([]);
    } finally {
      failing = false;
    }
    await waitFor(() => firedFor(id).length >= 2, { timeoutMs: 30_000, what: 'the reminder and the overdue notice at the new time' });
    await pause(1000);
    expect(firedFor(id)).toEqual([`ActivityReminderDue ${newDue}`, `TaskOverdue ${newDue}`]);
    // The claims of the former time went with the sync that caught up.
    expect((await claimsOf(id)).map((claim) => [claim.fireAt.toISOString(), claim.status])).toEqual([[newDue, 'SENT'], [newDue, 'SENT']]);
    expect(dataOf<any>(answer).updateActivity.id).toBe(id);
    expect(await markOf(id)).toBe(false);
  });

  it('lets no late sync for an older version of an activity remove the claims of a newer one', async () => {
    const id = (await call(CREATE, { input: { kind: 'CALL', subject: 'Raced', dueAt: inSeconds(3600), reminders: [10] } })).createActivity.id;
    const before = (await ActivityModel.findOne({ _id: id, tenantId: anna.tenantId }).lean())!;
    const newDue = inSeconds(7200);
    const newClaims = [`${id}:r10:${Date.parse(newDue) - 600_000}`, `${id}:overdue:${Date.parse(newDue)}`];
    await call(UPDATE, { id, input: { dueAt: newDue } });
    const pending = async () => (await claimsOf(id)).filter((claim) => claim.status === 'PENDING').map((claim) => claim._id);
    await waitFor(async () => {
      const ids = await pending();
      return newClaims.every((claim) => ids.includes(claim));
    }, { what: 'the update synced' });
    // A sync of the activity as read before the update, running late (a slow request, a sweep that read it then).
    const cleared = await syncReminders(before);
    expect(await pending()).toEqual(expect.arrayContaining(newClaims));
    // Nor does it clear the mark of a write after the one it follows.
    expect(cleared).toBe(false);
    expect(await markOf(id)).toBe(false);
  });
});
