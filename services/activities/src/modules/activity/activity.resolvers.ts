import { insertWithEvents, updateWithEvents } from '@crm/messaging';
import { authorizeChange, readable, requireCan, requireCreate, requireRowFilter } from '@crm/policy';
import { conflict, listSize, notFound, parseInput, requireId, requireUserId } from '@crm/service-kit';
import { Types } from 'mongoose';
import type { Resolvers } from '../../generated/graphql';
import type { ActivitiesContext } from '../../context';
import { claimsFollow, insertMark, withClaimsMark } from '../reminder/reminder.claims';
import { activityCancelled, activityChanges, activityCompleted, activityCreated, activityUpdated } from './activity.events';
import { cancelActivityArgs, completeActivityArgs, createActivityInput, updateActivityInput } from './activity.input';
import { activityFilter, activityPage } from './activity.list';
import { ActivityModel, type ActivityDoc } from './activity.model';
import { ACTIVITY_LIST, calendarFields, checkShape, isOverdue, LATEST_DUE_FIRST } from './activity.rules';

/** An activity to change: its assignee is its owner for the rights (update in their scope). */
async function loadActivity(id: string, ctx: ActivitiesContext): Promise<ActivityDoc> {
  const activity = await ctx.loaders.activityById.load(requireId(id, 'id'));
  if (!activity) throw notFound('Activity', id);
  await requireCan(ctx, 'activity', 'update', owned(activity));
  return activity;
}

const owned = (activity: Pick<ActivityDoc, 'assigneeId'>) => ({ ownerId: activity.assigneeId });

/**
 * A list's filter within the reader's rights: the reader's row scope on the assignee, or, when
 * the filter names an assignee, the right to read theirs (FORBIDDEN otherwise, as
 * Query.activities): a filter narrows a list, never widens it.
 */
async function scopedFilter(ctx: ActivitiesContext, filter: unknown): Promise<Record<string, unknown>> {
  const where = activityFilter(filter);
  if (typeof where.assigneeId !== 'string') return { ...where, ...(await requireRowFilter(ctx, 'activity', 'read', 'assigneeId')) };
  await requireCan(ctx, 'activity', 'read', { ownerId: where.assigneeId });
  return where;
}
const readableActivity = async (activity: ActivityDoc | null | undefined, ctx: ActivitiesContext) =>
  activity && (await readable(ctx, 'activity', owned(activity))) ? activity : null;

/** After a conditional write found nothing: the activity changed meanwhile (or is gone). */
async function changedMeanwhile(activity: ActivityDoc, ctx: ActivitiesContext, doneAlready?: ActivityDoc['status']): Promise<ActivityDoc> {
  const now = await ActivityModel.findOne({ _id: activity._id, tenantId: ctx.tenantId }).lean<ActivityDoc>();
  if (now && doneAlready && now.status === doneAlready) return now;
  throw conflict('the activity changed meanwhile; read it again');
}

export const activityResolvers: Resolvers = {
  Query: {
    activity: async (_parent, { id }, ctx) => {
      const activity = await ctx.loaders.activityById.load(id);
      if (activity) await requireCan(ctx, 'activity', 'read', owned(activity));
      return activity;
    },
    activities: async (_parent, { dealId, assigneeId, first }, ctx) => {
      const size = listSize(first, ACTIVITY_LIST);
      const filter: Record<string, unknown> = { tenantId: ctx.tenantId };
      if (dealId) filter.dealId = requireId(dealId, 'dealId');
      // The reader's row scope on the assignee, in the store query; another user's list outside it is FORBIDDEN.
      const scope = await requireRowFilter(ctx, 'activity', 'read', 'assigneeId');
      if (assigneeId) {
        filter.assigneeId = requireUserId(assigneeId, 'assigneeId');
        await requireCan(ctx, 'activity', 'read', { ownerId: assigneeId });
      } else Object.assign(filter, scope);
      return ActivityModel.find(filter).sort(LATEST_DUE_FIRST).limit(size).lean<ActivityDoc[]>().exec();
    },
  },
  Mutation: {
    createActivity: async (_parent, { input }, ctx) => {
      const fields = parseInput(createActivityInput, input);
      checkShape(fields);
      const assigneeId = fields.assigneeId ?? ctx.userId;
      await requireCreate(ctx, 'activity', assigneeId);
      const activity = { _id: new Types.ObjectId(), ...fields, assigneeId, ...calendarFields({ ...fields, assigneeId }), status: 'PLANNED' as const, tenantId: ctx.tenantId };
      // Inserted with its claims mark when it wants claims: they follow, or the scheduler's sweep writes them.
      const created = await insertWithEvents(ActivityModel, { ...activity, ...insertMark(activity) }, (doc) => activityCreated(doc, ctx));
      if (created.claimsPending) await claimsFollow(created, ctx.logger);
      return created;
    },
    updateActivity: async (_parent, { id, input }, ctx) => {
      const activity = await loadActivity(id, ctx);
      const changes = parseInput(updateActivityInput, input);
      if (changes.assigneeId === null) delete changes.assigneeId; // an activity always has an assignee
      if (activity.status !== 'PLANNED') throw conflict(`a ${activity.status.toLowerCase()} activity cannot be changed`);
      const next = { ...activity, ...changes } as ActivityDoc;
      checkShape(next);
      authorizeChange(await ctx.access(), 'activity', owned(activity), owned(next));
      const set = { ...changes, ...calendarFields(next) };
      const changed = activityChanges(activity, next, Object.keys(changes));
      // Conditional on the version read: a concurrent edit is refused, not silently overwritten.
      const updated = await updateWithEvents(
        ActivityModel,
        { _id: activity._id, tenantId: ctx.tenantId, status: 'PLANNED', revision: activity.revision ?? null },
        withClaimsMark({ $set: set, $inc: { revision: 1 } }),
        ...(changed.length > 0 ? [activityUpdated(next, changed, ctx)] : []),
      );
      if (!updated) return changedMeanwhile(activity, ctx);
      await claimsFollow(updated, ctx.logger);
      return updated;
    },
    completeActivity: async (_parent, { id, ...args }, ctx) => {
      const activity = await loadActivity(id, ctx);
      const given = parseInput(completeActivityArgs, args);
      if (activity.status === 'DONE') return activity; // done already: nothing changes, nothing is published again
      if (activity.status === 'CANCELLED') throw conflict('a cancelled activity cannot be completed');
      const set = {
        status: 'DONE' as const,
        completedAt: new Date(),
        completedBy: ctx.userId,
        outcome: given.outcome ?? activity.outcome ?? null,
        durationMinutes: given.durationMinutes,
        response: given.response,
      };
      const key = { _id: activity._id, tenantId: ctx.tenantId };
      const done = await updateWithEvents(ActivityModel, { ...key, status: 'PLANNED' }, withClaimsMark({ $set: set }), activityCompleted({ ...activity, ...set }, ctx));
      if (!done) return changedMeanwhile(activity, ctx, 'DONE'); // completed by someone else meanwhile is success
      await claimsFollow(done, ctx.logger);
      return done;
    },
    cancelActivity: async (_parent, { id, ...args }, ctx) => {
      const activity = await loadActivity(id, ctx);
      const { reason } = parseInput(cancelActivityArgs, args);
      if (activity.status === 'CANCELLED') return activity;
      if (activity.status === 'DONE') throw conflict('a done activity cannot be cancelled');
      const set = { status: 'CANCELLED' as const, cancelledAt: new Date(), cancelledBy: ctx.userId, cancelReason: reason };
      const key = { _id: activity._id, tenantId: ctx.tenantId };
      const cancelled = await updateWithEvents(ActivityModel, { ...key, status: 'PLANNED' }, withClaimsMark({ $set: set }), activityCancelled({ ...activity, ...set }, ctx));
      if (!cancelled) return changedMeanwhile(activity, ctx, 'CANCELLED');
      await claimsFollow(cancelled, ctx.logger);
      return cancelled;
    },
  },
  Activity: {
    __resolveReference: async (reference, ctx) => readableActivity(await ctx.loaders.activityById.load(reference.id), ctx),
    id: (activity) => activity._id.toString(),
    deal: (activity) => (activity.dealId ? { __typename: 'Deal', id: activity.dealId } : null),
    company: (activity) => (activity.companyId ? { __typename: 'Company', id: activity.companyId } : null),
    contacts: (activity) => (activity.contactIds ?? []).map((id) => ({ __typename: 'Contact' as const, id })),
    overdue: (activity) => isOverdue(activity),
    userIds: (activity) => activity.userIds ?? [],
    reminders: (activity) => activity.reminders ?? [],
  },
  Deal: {
    // Any deal id is a valid reference here; its activities are filtered by the caller's tenant.
    __resolveReference: (reference) => ({ id: reference.id }),
    activities: async (deal, { first, filter }, ctx) => {
      const size = listSize(first, ACTIVITY_LIST);
      // The common case (no filter) goes through the batching loader (which applies the row scope too).
      if (!filter) return ctx.loaders.activitiesByDeal.load({ id: deal.id, first: size });
      return ActivityModel.find({ tenantId: ctx.tenantId, dealId: deal.id, ...(await scopedFilter(ctx, filter)) })
        .sort(LATEST_DUE_FIRST)
        .limit(size)
        .lean<ActivityDoc[]>()
        .exec();
    },
    activityConnection: async (deal, args, ctx) => activityPage({ tenantId: ctx.tenantId, dealId: deal.id, ...(await scopedFilter(ctx, args.filter)) }, args),
  },
  Company: {
    __resolveReference: (reference) => ({ __typename: 'Company', id: reference.id }),
    activities: async (company, args, ctx) => activityPage({ tenantId: ctx.tenantId, companyId: company.id, ...(await scopedFilter(ctx, args.filter)) }, args),
  },
  Contact: {
    __resolveReference: (reference) => ({ __typename: 'Contact', id: reference.id }),
    // Only a touch the reader may see: its kind and time tell about the activity too.
    lastTouch: async (contact, _args, ctx) => {
      const touch = await ctx.loaders.lastTouchByContact.load(contact.id);
      return touch && (await readableActivity(await ctx.loaders.activityById.load(touch.activityId), ctx)) ? touch : null;
    },
  },
  LastTouch: {
    activity: async (touch, _args, ctx) => readableActivity(await ctx.loaders.activityById.load(touch.activityId), ctx),
  },
};
