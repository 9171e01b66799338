import { z } from 'zod';

/*
 * The instants an event from outside the CRM may carry: years 1800 to 2999 in UTC, the window of
 * `dateTimeInput` in packages/service-kit/src/dates.ts (EARLIEST_INSTANT, LATEST_INSTANT; that
 * package depends on this one, so it cannot be imported here: change both together). Outside it a
 * date the services derive prints as a six-digit year (`9999-12-31T23:59:59-14:00` is in 10000).
 */
const EARLIEST = Date.parse('1800-01-01T00:00:00.000Z');
const LATEST = Date.parse('2999-12-31T23:59:59.999Z');

/** ISO 8601 with an offset, within the years 1800 to 2999: an event outside it is invalid (parked by its consumer). */
export const instant = z.iso
  .datetime({ offset: true })
  .refine((value) => Date.parse(value) >= EARLIEST && Date.parse(value) <= LATEST, 'must lie between the years 1800 and 2999');
