import { z } from 'zod';

/**
 * The instants a client may give: years 1800 to 2999 in UTC. Wide enough for any date a sales
 * team records (a company founded in 1850, a contract running to 2150), narrow enough that
 * what the services derive from it (a reminder four weeks before, a day in another time zone)
 * still prints as a four-digit year: an event's ISO date refuses the six-digit form
 * `toISOString()` gives outside 0000-9999.
 */
// The same window bounds external events' dates (packages/events/src/instant.ts): change both together.
export const EARLIEST_INSTANT = new Date('1800-01-01T00:00:00.000Z');
export const LATEST_INSTANT = new Date('2999-12-31T23:59:59.999Z');

export const inDateWindow = (date: Date) => date.getTime() >= EARLIEST_INSTANT.getTime() && date.getTime() <= LATEST_INSTANT.getTime();

/** A DateTime field of a zod input schema: ISO 8601 with an offset, within the window above. */
export const dateTimeInput = (field: string) =>
  z.iso
    .datetime({ offset: true, message: `${field} is not an ISO-8601 date and time` })
    .transform((value) => new Date(value))
    .refine(inDateWindow, `${field} must lie between the years 1800 and 2999`);
