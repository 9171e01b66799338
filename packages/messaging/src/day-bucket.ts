/**
 * Records that expire carry the UTC day they were written (`YYYY-MM-DD`), indexed: the clean-up
 * deletes whole days by equality (`$in`), which every store serves from an index (the local
 * FerretDB serves no range from one, so a delete by date range would read the whole collection).
 */
export const dayOf = (date: Date): string => date.toISOString().slice(0, 10);

const DAY_MS = 24 * 60 * 60 * 1000;

/** The `count` days before `before` (exclusive), newest first. */
export function daysBefore(before: Date, count: number): string[] {
  return Array.from({ length: count }, (_, i) => dayOf(new Date(before.getTime() - (i + 1) * DAY_MS)));
}

export const daysAgo = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);
