import { DateTime, IANAZone } from 'luxon';

/** Pure calendar arithmetic in a tenant's time zone (luxon does the zone and DST rules). */

export interface Interval {
  start: Date;
  end: Date;
}

/** A working period of a weekday (1 = Monday … 7 = Sunday), local "HH:mm" times. */
export interface WorkingPeriod {
  weekday: number;
  from: string;
  to: string;
}

export const DEFAULT_TIME_ZONE = 'UTC';
/** Monday to Friday, 09:00–17:00 in the tenant's zone, for a user who set none. */
export const DEFAULT_WORKING_HOURS: WorkingPeriod[] = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, from: '09:00', to: '17:00' }));

export const isTimeZone = (zone: string): boolean => IANAZone.isValidZone(zone);

const toInterval = (start: DateTime, end: DateTime): Interval => ({ start: start.toJSDate(), end: end.toJSDate() });

/** A local calendar day ("YYYY-MM-DD") as the instants it spans: 23 or 25 hours on DST days. */
export function dayRange(date: string, zone: string): Interval {
  const day = DateTime.fromISO(date, { zone });
  if (!day.isValid || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`${date} is not a date (YYYY-MM-DD)`);
  return toInterval(day.startOf('day'), day.startOf('day').plus({ days: 1 }));
}

/** Today in the zone, from local midnight to the next. */
export const todayRange = (now: Date, zone: string): Interval => {
  const today = DateTime.fromJSDate(now, { zone }).startOf('day');
  return toInterval(today, today.plus({ days: 1 }));
};

/** This ISO week in the zone: Monday 00:00 to the next Monday 00:00. */
export const weekRange = (now: Date, zone: string): Interval => {
  const monday = DateTime.fromJSDate(now, { zone }).startOf('week');
  return toInterval(monday, monday.plus({ weeks: 1 }));
};

/**
 * Whether an activity's span lies in [from, to): a span overlaps it, a point in time (a due
 * time: start = end) lies inside it. Each activity is one span, so it is listed once however
 * many midnights or DST changes it crosses.
 */
export function inRange(span: { start: Date; end: Date }, range: Interval): boolean {
  const [start, end] = [span.start.getTime(), span.end.getTime()];
  if (start === end) return start >= range.start.getTime() && start < range.end.getTime();
  return start < range.end.getTime() && end > range.start.getTime();
}

/** A day's working periods as instants in the zone (a local time a DST change skips moves forward, as luxon does). */
export function workingIntervals(date: string, zone: string, hours: readonly WorkingPeriod[]): Interval[] {
  const day = DateTime.fromISO(date, { zone }).startOf('day');
  const at = (hhmm: string) => {
    const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
    return DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone });
  };
  return hours
    .filter((period) => period.weekday === day.weekday)
    .map((period) => toInterval(at(period.from), at(period.to)))
    .filter((interval) => interval.end > interval.start)
    .sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** The parts of `free` that no busy interval covers. */
export function subtractBusy(free: readonly Interval[], busy: readonly Interval[]): Interval[] {
  const sorted = [...busy].sort((a, b) => a.start.getTime() - b.start.getTime());
  const result: Interval[] = [];
  for (const interval of free) {
    let cursor = interval.start.getTime();
    const end = interval.end.getTime();
    for (const block of sorted) {
      const [blockStart, blockEnd] = [block.start.getTime(), block.end.getTime()];
      if (blockEnd <= cursor || blockStart >= end) continue;
      if (blockStart > cursor) result.push({ start: new Date(cursor), end: new Date(blockStart) });
      cursor = Math.max(cursor, blockEnd);
    }
    if (cursor < end) result.push({ start: new Date(cursor), end: new Date(end) });
  }
  return result;
}

/** Free stretches of at least `minutes` inside the day's working hours. */
export function freeSlots(date: string, zone: string, hours: readonly WorkingPeriod[], busy: readonly Interval[], minutes: number): Interval[] {
  return subtractBusy(workingIntervals(date, zone, hours), busy).filter((slot) => slot.end.getTime() - slot.start.getTime() >= minutes * 60_000);
}
