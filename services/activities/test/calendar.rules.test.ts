// Pure calendar arithmetic: days, weeks and working hours in a zone, across DST changes (hand-computed).
import { dayRange, DEFAULT_WORKING_HOURS, freeSlots, inRange, isTimeZone, subtractBusy, todayRange, weekRange, workingIntervals } from '../src/modules/calendar/calendar.rules';

const at = (iso: string) => new Date(iso);
const iso = (interval: { start: Date; end: Date }) => [interval.start.toISOString(), interval.end.toISOString()];
const BERLIN = 'Europe/Berlin';

describe('calendar rules', () => {
  it('counts a Berlin day as 24, 23 (spring forward) or 25 hours (fall back)', () => {
    expect(iso(dayRange('2026-03-28', BERLIN))).toEqual(['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z']);
    expect(iso(dayRange('2026-03-29', BERLIN))).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    expect(iso(dayRange('2026-10-25', BERLIN))).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
    expect(() => dayRange('2026-02-30', BERLIN)).toThrow(RangeError);
    expect(() => dayRange('29.03.2026', BERLIN)).toThrow(RangeError);
  });

  it("finds today and this ISO week in the zone, not in UTC", () => {
    // 23:30 UTC on Sunday 29 March is already Monday 30 March in Berlin (UTC+2 after the change).
    expect(iso(todayRange(at('2026-03-29T23:30:00Z'), BERLIN))).toEqual(['2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z']);
    expect(iso(todayRange(at('2026-03-29T23:30:00Z'), 'UTC'))).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-30T00:00:00.000Z']);
    // The week of the spring change: Monday 23 March (UTC+1) to Monday 30 March (UTC+2): 167 hours.
    const week = weekRange(at('2026-03-29T12:00:00Z'), BERLIN);
    expect(iso(week)).toEqual(['2026-03-22T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    expect((week.end.getTime() - week.start.getTime()) / 3_600_000).toBe(167);
  });

  it('lists an activity across midnight and a DST change once per range, and a point in time by its instant', () => {
    // 22:00 Saturday to 04:00 Sunday local, across the 02:00 → 03:00 jump: 5 real hours.
    const overnight = { start: at('2026-03-28T21:00:00Z'), end: at('2026-03-29T02:00:00Z') };
    const saturday = dayRange('2026-03-28', BERLIN);
    const sunday = dayRange('2026-03-29', BERLIN);
    expect([inRange(overnight, saturday), inRange(overnight, sunday)]).toEqual([true, true]);
    const week = weekRange(at('2026-03-25T12:00:00Z'), BERLIN);
    const activities = [overnight, { start: at('2026-03-29T21:59:00Z'), end: at('2026-03-29T21:59:00Z') }, { start: at('2026-03-29T22:00:00Z'), end: at('2026-03-29T22:00:00Z') }];
    expect(activities.filter((a) => inRange(a, week))).toHaveLength(2);
    // A span that ends exactly where the range starts is not in it.
    expect(inRange({ start: at('2026-03-27T22:00:00Z'), end: saturday.start }, saturday)).toBe(false);
  });

  it('places working hours in the zone on DST days', () => {
    expect(workingIntervals('2026-03-27', BERLIN, DEFAULT_WORKING_HOURS).map(iso)).toEqual([['2026-03-27T08:00:00.000Z', '2026-03-27T16:00:00.000Z']]);
    expect(workingIntervals('2026-03-30', BERLIN, DEFAULT_WORKING_HOURS).map(iso)).toEqual([['2026-03-30T07:00:00.000Z', '2026-03-30T15:00:00.000Z']]);
    expect(workingIntervals('2026-10-26', BERLIN, DEFAULT_WORKING_HOURS).map(iso)).toEqual([['2026-10-26T08:00:00.000Z', '2026-10-26T16:00:00.000Z']]);
    // Sunday: no default working hours.
    expect(workingIntervals('2026-03-29', BERLIN, DEFAULT_WORKING_HOURS)).toEqual([]);
    // A night shift on the spring Sunday: 01:00–04:00 local is only 2 real hours.
    const [night] = workingIntervals('2026-03-29', BERLIN, [{ weekday: 7, from: '01:00', to: '04:00' }]);
    expect(iso(night!)).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-29T02:00:00.000Z']);
  });

  it('subtracts busy time and keeps the free stretches long enough', () => {
    const day = [{ start: at('2026-06-01T07:00:00Z'), end: at('2026-06-01T15:00:00Z') }];
    const busy = [
      { start: at('2026-06-01T06:00:00Z'), end: at('2026-06-01T08:00:00Z') },
      { start: at('2026-06-01T10:00:00Z'), end: at('2026-06-01T10:30:00Z') },
      { start: at('2026-06-01T10:15:00Z'), end: at('2026-06-01T11:00:00Z') },
      { start: at('2026-06-01T14:40:00Z'), end: at('2026-06-01T16:00:00Z') },
    ];
    expect(subtractBusy(day, busy).map(iso)).toEqual([
      ['2026-06-01T08:00:00.000Z', '2026-06-01T10:00:00.000Z'],
      ['2026-06-01T11:00:00.000Z', '2026-06-01T14:40:00.000Z'],
    ]);
    // Monday 1 June 2026 in Berlin (UTC+2): 09:00–17:00 is 07:00–15:00 UTC; a 150-minute need fits only after 11:00.
    expect(freeSlots('2026-06-01', BERLIN, DEFAULT_WORKING_HOURS, busy, 150).map(iso)).toEqual([['2026-06-01T11:00:00.000Z', '2026-06-01T14:40:00.000Z']]);
  });

  it('knows IANA zones', () => {
    expect([isTimeZone('Europe/Berlin'), isTimeZone('America/New_York'), isTimeZone('Mars/Olympus'), isTimeZone('')]).toEqual([true, true, false, false]);
  });
});
