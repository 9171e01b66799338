import { canSeeTeam, requireCan } from '@crm/policy';
import type { ActivitiesContext } from '../../context';
import { hasRole } from '@crm/auth';
import { badInput, dateTimeInput, forbidden, parseInput, requireUserId, userIdInput } from '@crm/service-kit';
import { isDuplicateKey } from '@crm/messaging';
import { z } from 'zod';
import type { Resolvers } from '../../generated/graphql';
import { ActivityModel, type ActivityDoc } from '../activity/activity.model';
import { MAX_SPAN_MS } from '../activity/activity.rules';
import { CalendarSettingsModel, WorkingHoursModel, type WorkingHoursDoc } from './calendar.model';
import {
  dayRange, DEFAULT_TIME_ZONE, DEFAULT_WORKING_HOURS, freeSlots, inRange, isTimeZone, todayRange, weekRange,
  type Interval, type WorkingPeriod,
} from './calendar.rules';

/** Most activities one agenda lists (`truncated` says when more lie in its range). */
export const AGENDA_MAX = 500;
export const MAX_AGENDA_DAYS = 62;
const DAY_MS = 24 * 60 * 60 * 1000;

const timeZoneOf = async (tenantId: string) => (await CalendarSettingsModel.findOne({ _id: tenantId }).lean())?.timeZone ?? DEFAULT_TIME_ZONE;

type HoursAnswer = { id: string | null; userId: string; hours: WorkingPeriod[]; isDefault: boolean };
const answerOf = (own: WorkingHoursDoc): HoursAnswer => ({ id: own._id.toString(), userId: own.userId, hours: own.hours ?? [], isDefault: false });

export async function hoursOf(tenantId: string, userId: string): Promise<HoursAnswer> {
  const own = await WorkingHoursModel.findOne({ tenantId, userId }).lean<WorkingHoursDoc>();
  return own ? answerOf(own) : { id: null, userId, hours: DEFAULT_WORKING_HOURS, isDefault: true };
}

/** One document per (tenant, user): a concurrent first write loses the upsert race on the unique index and simply runs again as an update. */
async function saveHours(tenantId: string, userId: string, hours: WorkingPeriod[]): Promise<WorkingHoursDoc> {
  const write = () => WorkingHoursModel.findOneAndUpdate({ tenantId, userId }, { $set: { hours } }, { upsert: true, returnDocument: 'after' }).lean<WorkingHoursDoc>();
  try {
    return (await write())!;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return (await write())!;
  }
}

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time is HH:mm');
const hoursInput = z.object({
  userId: userIdInput('userId'),
  hours: z
    .array(z.object({ weekday: z.number().int().min(1, 'weekday is 1 (Monday) to 7 (Sunday)').max(7, 'weekday is 1 (Monday) to 7 (Sunday)'), from: hhmm, to: hhmm }))
    .max(21, 'at most 21 periods')
    .superRefine((hours, issues) => {
      hours.forEach((period, i) => {
        if (period.to <= period.from) issues.addIssue({ code: 'custom', path: [i, 'to'], message: 'to must be after from' });
        const overlapping = hours.some((other, j) => j !== i && other.weekday === period.weekday && other.from < period.to && period.from < other.to);
        if (overlapping) issues.addIssue({ code: 'custom', path: [i], message: 'periods of a weekday must not overlap' });
      });
    }),
});

const rangeInput = z.object({ from: dateTimeInput('from'), to: dateTimeInput('to') });

/**
 * Whose agenda: a team's, a user's, or the caller's. Another user's agenda needs the activity
 * read right over them, a team's a TEAM scope in that team (or ALL): else FORBIDDEN.
 */
async function ownerFilter(ctx: ActivitiesContext, userId?: string | null, teamId?: string | null): Promise<Record<string, string>> {
  if (userId && teamId) throw badInput('give userId or teamId, not both', 'teamId');
  if (teamId) {
    const team = requireUserId(teamId, 'teamId');
    if (!canSeeTeam(await ctx.access(), 'activity', 'read', team)) throw forbidden(`you may not read the agenda of team ${team}`);
    return { teamId: team };
  }
  const user = userId ? requireUserId(userId, 'userId') : ctx.userId;
  if (user !== ctx.userId) await requireCan(ctx, 'activity', 'read', { ownerId: user });
  return { attendeeIds: user };
}

/**
 * Reads by (tenantId, owner, spanStart): an activity lasts at most MAX_SPAN_MS, so one that
 * reaches into the range started at most that long before it.
 */
export async function agendaOf(tenantId: string, owner: Record<string, string>, range: Interval, timeZone: string, size = AGENDA_MAX) {
  const rows = await ActivityModel.find({
    tenantId,
    ...owner,
    spanStart: { $gte: new Date(range.start.getTime() - MAX_SPAN_MS), $lt: range.end },
    spanEnd: { $gte: range.start },
    status: { $in: ['PLANNED', 'DONE'] },
  })
    .sort({ spanStart: 1, _id: 1 })
    .limit(size + 1)
    .lean<ActivityDoc[]>()
    .exec();
  const activities = rows.filter((a) => a.spanStart && a.spanEnd && inRange({ start: a.spanStart, end: a.spanEnd }, range));
  return { from: range.start, to: range.end, timeZone, activities: activities.slice(0, size), truncated: rows.length > size };
}

export const calendarResolvers: Resolvers = {
  Query: {
    calendarSettings: async (_parent, _args, ctx) => ({ timeZone: await timeZoneOf(ctx.tenantId) }),
    workingHours: (_parent, { userId }, ctx) => hoursOf(ctx.tenantId, userId ? requireUserId(userId, 'userId') : ctx.userId),
    agenda: async (_parent, args, ctx) => {
      const { from, to } = parseInput(rangeInput, args);
      if (to.getTime() <= from.getTime()) throw badInput('to must be after from', 'to');
      if (to.getTime() - from.getTime() > MAX_AGENDA_DAYS * DAY_MS) throw badInput(`an agenda spans at most ${MAX_AGENDA_DAYS} days`, 'to');
      const owner = await ownerFilter(ctx, args.userId, args.teamId);
      return agendaOf(ctx.tenantId, owner, { start: from, end: to }, await timeZoneOf(ctx.tenantId));
    },
    agendaToday: async (_parent, args, ctx) => {
      const owner = await ownerFilter(ctx, args.userId, args.teamId);
      const zone = await timeZoneOf(ctx.tenantId);
      return agendaOf(ctx.tenantId, owner, todayRange(new Date(), zone), zone);
    },
    agendaWeek: async (_parent, args, ctx) => {
      const owner = await ownerFilter(ctx, args.userId, args.teamId);
      const zone = await timeZoneOf(ctx.tenantId);
      return agendaOf(ctx.tenantId, owner, weekRange(new Date(), zone), zone);
    },
    freeSlots: async (_parent, args, ctx) => {
      const userId = args.userId ? requireUserId(args.userId, 'userId') : ctx.userId;
      if (!Number.isInteger(args.minutes) || args.minutes < 1 || args.minutes > 1440) throw badInput('minutes must be between 1 and 1440', 'minutes');
      const zone = await timeZoneOf(ctx.tenantId);
      let day: Interval;
      try {
        day = dayRange(args.date, zone);
      } catch {
        throw badInput('date is not a date (YYYY-MM-DD)', 'date');
      }
      const { hours } = await hoursOf(ctx.tenantId, userId);
      const agenda = await agendaOf(ctx.tenantId, { attendeeIds: userId }, day, zone);
      // Planned activities with a start and an end block time; a due time does not.
      const busy = agenda.activities
        .filter((a) => a.status === 'PLANNED' && a.startAt && a.endAt)
        .map((a) => ({ start: a.startAt!, end: a.endAt! }));
      return freeSlots(args.date, zone, hours, busy, args.minutes);
    },
  },
  Mutation: {
    setTenantTimeZone: async (_parent, { timeZone }, ctx) => {
      if (!hasRole(ctx.identity, 'admin')) throw forbidden('only admins may set the time zone');
      if (timeZone.length > 64 || !isTimeZone(timeZone)) throw badInput('timeZone is not an IANA time zone (like Europe/Berlin)', 'timeZone');
      await CalendarSettingsModel.updateOne({ _id: ctx.tenantId }, { $set: { timeZone }, $setOnInsert: { tenantId: ctx.tenantId } }, { upsert: true });
      return { timeZone };
    },
    setWorkingHours: async (_parent, args, ctx) => {
      const { userId, hours } = parseInput(hoursInput, args);
      if (userId !== ctx.userId && !hasRole(ctx.identity, 'head_of_sales', 'admin')) {
        throw forbidden("only the user themself, a head of sales or an admin may set a user's working hours");
      }
      const sorted = [...hours].sort((a, b) => a.weekday - b.weekday || a.from.localeCompare(b.from));
      return { ...answerOf(await saveHours(ctx.tenantId, userId, sorted)), hours: sorted };
    },
  },
};
export type AgendaShape = Awaited<ReturnType<typeof agendaOf>>;
