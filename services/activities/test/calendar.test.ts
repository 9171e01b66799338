// The agenda, working hours and free slots through the subgraph, in the tenant's time zone.
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { agendaOf } from '../src/modules/calendar/calendar.resolvers';
import { startActivities } from '../src/service';

const CREATE = `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id } }`;
const CANCEL = `mutation ($id: ID!) { cancelActivity(id: $id) { id } }`;
const ZONE = `mutation ($z: String!) { setTenantTimeZone(timeZone: $z) { timeZone } }`;
const HOURS = `mutation ($u: ID!, $h: [WorkingPeriodInput!]!) { setWorkingHours(userId: $u, hours: $h) { userId hours { weekday from to } isDefault } }`;
const AGENDA = `query ($u: ID, $t: ID, $from: DateTime!, $to: DateTime!) {
  agenda(userId: $u, teamId: $t, from: $from, to: $to) { from to timeZone truncated activities { subject } } }`;
const FREE = `query ($u: ID, $date: String!, $minutes: Int!) { freeSlots(userId: $u, date: $date, minutes: $minutes) { start end } }`;

const service = serviceUnderTest('activities', startActivities);
type Caller = ReturnType<typeof testIdentity>;
const call = (identity: Caller, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);

describe('calendar', () => {
  const admin = testIdentity(undefined, ['admin']);
  const anna = testIdentity(admin.tenantId, ['manager']);
  const create = async (input: object) => dataOf(await call(anna, CREATE, { input })).createActivity.id as string;

  beforeAll(async () => {
    dataOf(await call(admin, ZONE, { z: 'Europe/Berlin' }));
    // Saturday 28 March 2026 22:00 to Sunday 04:00 Berlin, across midnight and the DST jump.
    await create({ kind: 'MEETING', place: 'ON_SITE', subject: 'Night install', startAt: '2026-03-28T21:00:00Z', endAt: '2026-03-29T02:00:00Z', teamId: 'team-north' });
    await create({ kind: 'TASK', subject: 'Sunday task', dueAt: '2026-03-29T10:00:00Z', userIds: ['user-bob'] });
    await create({ kind: 'CALL', subject: 'Monday call', startAt: '2026-03-30T08:00:00Z', endAt: '2026-03-30T09:00:00Z', teamId: 'team-north' });
    const dropped = await create({ kind: 'CALL', subject: 'Cancelled call', startAt: '2026-03-30T11:00:00Z', endAt: '2026-03-30T12:00:00Z' });
    dataOf(await call(anna, CANCEL, { id: dropped }));
  });

  it('lists each activity once in every range it touches, cancelled ones left out', async () => {
    const agenda = async (from: string, to: string, extra: object = {}, as = anna) => dataOf(await call(as, AGENDA, { from, to, ...extra })).agenda;
    const week = await agenda('2026-03-22T23:00:00Z', '2026-03-29T22:00:00Z');
    expect(week).toEqual({ from: '2026-03-22T23:00:00.000Z', to: '2026-03-29T22:00:00.000Z', timeZone: 'Europe/Berlin', truncated: false, activities: [{ subject: 'Night install' }, { subject: 'Sunday task' }] });
    expect((await agenda('2026-03-27T23:00:00Z', '2026-03-28T23:00:00Z')).activities).toEqual([{ subject: 'Night install' }]);
    expect((await agenda('2026-03-29T22:00:00Z', '2026-03-30T22:00:00Z')).activities).toEqual([{ subject: 'Monday call' }]);
    // More than the agenda's bound: the first ones, and `truncated` (the bound made small here).
    const small = await agendaOf(anna.tenantId, { attendeeIds: anna.userId }, { start: new Date('2026-03-22T23:00:00Z'), end: new Date('2026-04-05T22:00:00Z') }, 'Europe/Berlin', 2);
    expect({ truncated: small.truncated, subjects: small.activities.map((a) => a.subject) }).toEqual({ truncated: true, subjects: ['Night install', 'Sunday task'] });
    expect((await agenda('2026-03-22T23:00:00Z', '2026-04-05T22:00:00Z')).truncated).toBe(false);
    // A participant sees it, and a team sees what carries its id.
    // (Another user's or a team's agenda needs the read right over them: an admin's here, rights.e2e has the scopes.)
    expect((await agenda('2026-03-22T23:00:00Z', '2026-04-05T22:00:00Z', { u: 'user-bob' }, admin)).activities).toEqual([{ subject: 'Sunday task' }]);
    expect((await agenda('2026-03-22T23:00:00Z', '2026-04-05T22:00:00Z', { t: 'team-north' }, admin)).activities).toEqual([{ subject: 'Night install' }, { subject: 'Monday call' }]);
    // Another tenant sees nothing.
    expect(dataOf(await call(testIdentity(undefined, ['admin']), AGENDA, { from: '2026-03-22T23:00:00Z', to: '2026-04-05T22:00:00Z', u: anna.userId })).agenda.activities).toEqual([]);
  });

  it('answers today and this week in the tenant zone', async () => {
    const { agendaToday, agendaWeek } = dataOf(await call(anna, `{ agendaToday { from to timeZone } agendaWeek { from to } }`));
    expect(agendaToday.timeZone).toBe('Europe/Berlin');
    const now = Date.now();
    expect(new Date(agendaToday.from).getTime()).toBeLessThanOrEqual(now);
    expect(new Date(agendaToday.to).getTime()).toBeGreaterThan(now);
    expect(new Date(agendaWeek.from).getTime()).toBeLessThanOrEqual(new Date(agendaToday.from).getTime());
    const berlinStart = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(agendaWeek.from));
    expect(berlinStart).toBe('Mon 00:00');
  });

  it('refuses bad ranges, zones and ids', async () => {
    expect(errorCodes(await call(anna, AGENDA, { from: '2026-03-02T00:00:00Z', to: '2026-05-04T00:00:01Z' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(anna, AGENDA, { from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(anna, AGENDA, { from: 'monday', to: '2026-03-01T00:00:00Z' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(anna, AGENDA, { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z', u: 'a', t: 'b' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(admin, ZONE, { z: 'Mars/Olympus' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(anna, ZONE, { z: 'UTC' }))).toEqual(['FORBIDDEN']);
    expect(dataOf(await call(anna, `{ calendarSettings { timeZone } }`)).calendarSettings.timeZone).toBe('Europe/Berlin');
  });

  it('proposes free slots inside working hours, around planned activities', async () => {
    // Monday 30 March 2026, Berlin (UTC+2): default 09:00–17:00 = 07:00–15:00 UTC, the call 08:00–09:00 UTC; the cancelled call blocks nothing.
    expect(dataOf(await call(anna, FREE, { date: '2026-03-30', minutes: 30 })).freeSlots).toEqual([
      { start: '2026-03-30T07:00:00.000Z', end: '2026-03-30T08:00:00.000Z' },
      { start: '2026-03-30T09:00:00.000Z', end: '2026-03-30T15:00:00.000Z' },
    ]);
    expect(dataOf(await call(anna, FREE, { date: '2026-03-30', minutes: 61 })).freeSlots).toEqual([{ start: '2026-03-30T09:00:00.000Z', end: '2026-03-30T15:00:00.000Z' }]);
    // Her own hours: Monday mornings only, 07:30–10:00 local.
    const set = dataOf(await call(anna, HOURS, { u: anna.userId, h: [{ weekday: 1, from: '07:30', to: '10:00' }] })).setWorkingHours;
    expect(set).toEqual({ userId: anna.userId, hours: [{ weekday: 1, from: '07:30', to: '10:00' }], isDefault: false });
    expect(dataOf(await call(anna, FREE, { date: '2026-03-30', minutes: 30 })).freeSlots).toEqual([
      { start: '2026-03-30T05:30:00.000Z', end: '2026-03-30T08:00:00.000Z' },
    ]);
    expect(dataOf(await call(anna, FREE, { date: '2026-03-31', minutes: 30 })).freeSlots).toEqual([]);
  });

  it('lets only the user, a head of sales or an admin set working hours, and checks them', async () => {
    const seller = testIdentity(admin.tenantId, ['manager']);
    expect(errorCodes(await call(seller, HOURS, { u: 'user-else', h: [] }))).toEqual(['FORBIDDEN']);
    expect(dataOf(await call(seller, HOURS, { u: seller.userId, h: [] })).setWorkingHours.hours).toEqual([]);
    expect(dataOf(await call(testIdentity(admin.tenantId, ['head_of_sales']), HOURS, { u: 'user-else', h: [{ weekday: 6, from: '10:00', to: '14:00' }] })).setWorkingHours.userId).toBe('user-else');
    for (const h of [[{ weekday: 0, from: '09:00', to: '10:00' }], [{ weekday: 1, from: '10:00', to: '09:00' }], [{ weekday: 1, from: '9:00', to: '10:00' }],
      [{ weekday: 1, from: '09:00', to: '12:00' }, { weekday: 1, from: '11:00', to: '13:00' }]]) {
      expect(errorCodes(await call(anna, HOURS, { u: anna.userId, h }))).toEqual(['BAD_USER_INPUT']);
    }
    expect(errorCodes(await call(anna, FREE, { date: '2026-02-30', minutes: 30 }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(anna, FREE, { date: '2026-03-30', minutes: 0 }))).toEqual(['BAD_USER_INPUT']);
    expect(dataOf(await call(anna, `query ($u: ID) { workingHours(userId: $u) { isDefault hours { weekday } } }`, { u: 'user-new' })).workingHours).toEqual({
      isDefault: true,
      hours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday })),
    });
  });
});
