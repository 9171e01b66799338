// The reminder scheduler: each ActivityReminderDue and TaskOverdue is one event (one id) on the topic,
// with two instances on one database (this process and a second service process) and across restarts.
// The outbox relay delivers at least once: two relays may both send the same pending event, so a copy
// with the same id can follow (consumers drop it by id); what the claim guarantees is that no second
// event is ever made for a reminder.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { topics } from '@crm/events';
import { readTopics, type TopicReader } from '@crm/messaging/testing';
import { dataOf, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { ActivityModel } from '../src/modules/activity/activity.model';
import { calendarFields } from '../src/modules/activity/activity.rules';
import { ReminderModel } from '../src/modules/reminder/reminder.model';
import { wantedClaims } from '../src/modules/reminder/reminder.rules';
import { startActivities } from '../src/service';

const POLL = { REMINDER_POLL_MS: '100', REMINDER_BATCH: '3' };
const service = serviceUnderTest('activities', (env) => startActivities({ ...env, ...POLL }));
const CREATE = `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateActivityInput!) { updateActivity(id: $id, input: $input) { id } }`;
const CANCEL = `mutation ($id: ID!) { cancelActivity(id: $id) { id } }`;
const COMPLETE = `mutation ($id: ID!) { completeActivity(id: $id) { id } }`;

/** A second instance of the service, as built (`node dist/main.js`), on the same database and groups. */
function startSecondInstance(): ChildProcess {
  return spawn(process.execPath, ['dist/main.js'], {
    cwd: resolve(__dirname, '..'),
    env: { ...service.env, ...POLL, PORT: '0', LOG_LEVEL: 'warn', KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
const stopInstance = (child: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill(signal);
  });

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
type Sent = { activityId: string; type: string; minutesBefore?: number; eventId: string };
const sentOf = (reader: TopicReader, ids: Set<string>): Sent[] =>
  reader.messages
    .filter((m) => m.event && ids.has(m.key!) && ['ActivityReminderDue', 'TaskOverdue'].includes(m.event.type))
    .map((m) => ({ activityId: m.key!, type: m.event!.type, eventId: m.event!.id, ...((m.event!.data as any).minutesBefore !== undefined && { minutesBefore: (m.event!.data as any).minutesBefore }) }));
const keyOf = (sent: Sent) => `${sent.activityId} ${sent.type} ${sent.minutesBefore ?? ''}`;
/** One entry per distinct event: copies of one event (same id) count once. */
const eventsOf = (sent: Sent[]) => [...new Map(sent.map((s) => [s.eventId, keyOf(s)])).values()].sort();

describe('reminder scheduler', () => {
  const anna = testIdentity(undefined, ['manager']);
  const call = (query: string, variables: object) => subgraphRequest(service.url, anna, query, variables).then(dataOf);
  let second: ChildProcess | undefined;
  let reader: TopicReader;

  beforeAll(async () => {
    reader = await readTopics([topics.activity]);
  });
  afterAll(async () => {
    if (second) await stopInstance(second, 'SIGTERM');
    await reader.close();
  });

  it('makes one event of every reminder and deadline with two instances, one of them killed and restarted midway', async () => {
    second = startSecondInstance();
    const ids = new Set<string>();
    const expected: string[] = [];
    // Meetings starting within seconds, reminded 0 and 1 minute before (the latter is due at once), overdue at their end; tasks due within seconds.
    for (let i = 0; i < 6; i += 1) {
      const start = 2 + i;
      const { createActivity } = await call(CREATE, {
        input: { kind: 'MEETING', place: 'OFFICE', subject: `Meeting ${i}`, startAt: inSeconds(start), endAt: inSeconds(start + 1), reminders: [0, 1] },
      });
      ids.add(createActivity.id);
      expected.push(`${createActivity.id} ActivityReminderDue 0`, `${createActivity.id} ActivityReminderDue 1`, `${createActivity.id} TaskOverdue `);
      const task = (await call(CREATE, { input: { kind: 'TASK', subject: `Task ${i}`, dueAt: inSeconds(1 + i) } })).createActivity;
      ids.add(task.id);
      expected.push(`${task.id} TaskOverdue `);
    }
    // Kill the second instance without warning while reminders fall due, and start it again.
    await new Promise((done) => setTimeout(done, 2500));
    await stopInstance(second, 'SIGKILL');
    second = startSecondInstance();

    await waitFor(() => eventsOf(sentOf(reader, ids)).length >= expected.length, { timeoutMs: 60_000, what: `${expected.length} reminder events` });
    // A few more polls of both instances: nothing more may come.
    await new Promise((done) => setTimeout(done, 1500));
    expect(eventsOf(sentOf(reader, ids))).toEqual(expected.sort());
    expect(await ReminderModel.countDocuments({ tenantId: anna.tenantId, status: 'SENT' })).toBe(expected.length);
  });

  it('sets aside a claim whose event the contract refuses, and goes on with the claims after it', async () => {
    // Written past the input checks (as data from before them could be): a meeting in year 0,
    // reminded an hour before, so its reminder falls in year -1, which no event date can say.
    const ancient = { kind: 'MEETING', place: 'OFFICE', subject: 'Ancient', startAt: new Date('0000-01-01T00:00:00Z'), endAt: new Date('0000-01-01T01:00:00Z'), reminders: [60] };
    // Unmarked (claimsPending false): its claims are written just below, as its sync would. Marked,
    // the scheduler's sweep may write them first, and the insert below would hit their ids.
    const [stored] = await ActivityModel.insertMany([
      { ...ancient, tenantId: anna.tenantId, assigneeId: anna.userId, status: 'PLANNED', claimsPending: false, ...calendarFields({ ...ancient, assigneeId: anna.userId, userIds: [] }) },
    ]);
    const claims = wantedClaims(stored!.toObject());
    await ReminderModel.insertMany(claims.map((claim) => ({ ...claim, tenantId: anna.tenantId, activityId: String(stored!._id), status: 'PENDING' })));
    // Every poll takes the earliest claims first: the bad one came first in each of them.
    const task = (await call(CREATE, { input: { kind: 'TASK', subject: 'After the ancient one', dueAt: inSeconds(1) } })).createActivity.id;
    await reader.waitFor((m) => m.key === task && m.event?.type === 'TaskOverdue', 'the later task overdue');
    const reminder = await ReminderModel.findOne({ tenantId: anna.tenantId, activityId: String(stored!._id), type: 'REMINDER' }).lean();
    expect(reminder).toMatchObject({ status: 'FAILED', failure: expect.stringMatching(/remindAt|Invalid/i) });
  });

  it('refuses dates outside the years 1800 to 2999, also once an offset moves them there', async () => {
    const codes = async (input: object) => {
      const response = await subgraphRequest(service.url, anna, CREATE, { input });
      return (response.errors ?? []).map((error: any) => [error.extensions?.code, error.extensions?.field]);
    };
    expect(await codes({ kind: 'MEETING', place: 'OFFICE', subject: 'Year 0', startAt: '0000-01-01T00:00:00Z', endAt: '0000-01-01T01:00:00Z', reminders: [60] })).toEqual([['BAD_USER_INPUT', 'startAt']]);
    expect(await codes({ kind: 'TASK', subject: 'Past 9999', dueAt: '9999-12-31T23:30:00-01:00' })).toEqual([['BAD_USER_INPUT', 'dueAt']]);
    expect(await codes({ kind: 'TASK', subject: 'Too far', dueAt: '3000-01-01T00:00:00Z' })).toEqual([['BAD_USER_INPUT', 'dueAt']]);
    expect(await codes({ kind: 'TASK', subject: 'Fine', dueAt: '2999-12-31T23:00:00Z' })).toEqual([]);
  });

  it('follows the activity: a rescheduled one is reminded at its new time only, a cancelled or completed one not at all', async () => {
    const ids = new Set<string>();
    // Due far enough ahead that the six requests below are done before it on a loaded machine.
    const moved = (await call(CREATE, { input: { kind: 'CALL', subject: 'Moved', dueAt: inSeconds(10), reminders: [0] } })).createActivity.id;
    const cancelled = (await call(CREATE, { input: { kind: 'CALL', subject: 'Cancelled', dueAt: inSeconds(10), reminders: [0] } })).createActivity.id;
    const done = (await call(CREATE, { input: { kind: 'TASK', subject: 'Done', dueAt: inSeconds(10) } })).createActivity.id;
    [moved, cancelled, done].forEach((id) => ids.add(id));
    const newDue = inSeconds(12);
    await call(UPDATE, { id: moved, input: { dueAt: newDue } });
    await call(CANCEL, { id: cancelled });
    await call(COMPLETE, { id: done });

    await waitFor(() => eventsOf(sentOf(reader, ids)).length >= 2, { timeoutMs: 60_000, what: 'the moved call reminded and overdue' });
    await new Promise((done) => setTimeout(done, 1500));
    expect(eventsOf(sentOf(reader, ids))).toEqual([`${moved} ActivityReminderDue 0`, `${moved} TaskOverdue `]);
    const overdue = reader.messages.find((m) => m.key === moved && m.event?.type === 'TaskOverdue')!;
    expect(overdue.event).toMatchObject({ tenantId: anna.tenantId, aggregateType: 'Activity', data: { activityId: moved, kind: 'CALL', subject: 'Moved', assigneeId: anna.userId, dueAt: newDue } });
    const reminded = reader.messages.find((m) => m.key === moved && m.event?.type === 'ActivityReminderDue')!;
    expect(reminded.event!.data).toMatchObject({ startsAt: newDue, remindAt: newDue, minutesBefore: 0 });
    expect(await ReminderModel.countDocuments({ tenantId: anna.tenantId, activityId: { $in: [cancelled, done] }, status: 'PENDING' })).toBe(0);
  });
});
