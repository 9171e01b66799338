import { badInput, inDateWindow } from '@crm/service-kit';

/** The most months a period may span: every counter read is bounded by it. */
export const MAX_MONTHS = 120;

/** Every YYYY-MM from the month of `from` to the month of `to`, both included (UTC). */
export function monthsBetween(from: Date, to: Date): string[] {
  const months: string[] = [];
  for (let year = from.getUTCFullYear(), month = from.getUTCMonth(); year * 12 + month <= to.getUTCFullYear() * 12 + to.getUTCMonth(); month += 1) {
    if (month === 12) {
      year += 1;
      month = 0;
    }
    months.push(`${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}`);
    if (months.length > MAX_MONTHS) break;
  }
  return months;
}

export const asDate = (value: unknown, field: string): Date => {
  // Only text or a Date: a variable's object (null prototype) cannot even be made text.
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw badInput(`${field} is not a date and time`, field);
  if (!inDateWindow(date)) throw badInput(`${field} must lie between the years 1800 and 2999`, field);
  return date;
};

/**
 * The months of a period given as from/to date-times (either may be left out: `to` defaults to
 * now, `from` to MAX_MONTHS months before `to`). Counters are per month, so a period covers the
 * whole months its ends fall in.
 */
export function periodMonths(fromValue: unknown, toValue: unknown, fields = { from: 'from', to: 'to' }): string[] {
  const to = toValue == null ? new Date() : asDate(toValue, fields.to);
  const from = fromValue == null ? new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth() - (MAX_MONTHS - 1), 1)) : asDate(fromValue, fields.from);
  if (from.getTime() > to.getTime()) throw badInput(`${fields.from} must not be after ${fields.to}`, fields.from);
  const months = monthsBetween(from, to);
  if (months.length > MAX_MONTHS) throw badInput(`a period spans at most ${MAX_MONTHS} months`, fields.from);
  return months;
}
