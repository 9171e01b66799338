/**
 * Counters are kept per UTC month (`YYYY-MM`) or day (`YYYY-MM-DD`): a query lists the periods
 * of its range and reads them with $in, the one kind of filter every store we run serves from an
 * index. A range is widened to whole periods: [from, to) takes every period it touches.
 */
export const monthOf = (date: Date): string => date.toISOString().slice(0, 7);
export const dayOf = (date: Date): string => date.toISOString().slice(0, 10);

/**
 * The months [from, to) touches, oldest first; at most `max` + 1 of them, so a caller refusing
 * more than `max` lists no more than it needs, however long the period asked for.
 */
export function monthsBetween(from: Date, to: Date, max = Infinity): string[] {
  const months: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (cursor < to && months.length <= max) {
    months.push(monthOf(cursor));
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}

/** The days [from, to) touches, oldest first; at most `max` + 1 of them (as monthsBetween). */
export function daysBetween(from: Date, to: Date, max = Infinity): string[] {
  const days: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  while (cursor < to && days.length <= max) {
    days.push(dayOf(cursor));
    cursor.setUTCDate(cursor.getUTCDate() + 1);
  }
  return days;
}
