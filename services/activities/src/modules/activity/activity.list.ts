import { badInput, dateTimeInput, decodeCursor, isId, listSize, toConnection, userIdInput, type Connection, type ListBound } from '@crm/service-kit';
import { Types } from 'mongoose';
import { z } from 'zod';
import { activityKinds, activityStatuses, ActivityModel, type ActivityDoc } from './activity.model';

export type ActivityPage = Connection<ActivityDoc>;

/** Company.activities and Deal.activityConnection pages. */
export const ACTIVITY_PAGE: ListBound = { default: 20, max: 100 };

const activityFilterInput = z
  .object({
    kinds: z.array(z.enum(activityKinds)).max(activityKinds.length).nullish(),
    status: z.enum(activityStatuses).nullish(),
    from: dateTimeInput('from').nullish(),
    to: dateTimeInput('to').nullish(),
    assigneeId: userIdInput('assigneeId').nullish(),
  })
  .nullish();

/** The store filter of an ActivityFilter, added to the list's own (tenant and owner) keys. */
export function activityFilter(input: unknown): Record<string, unknown> {
  const result = activityFilterInput.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw badInput(`filter.${issue.path.join('.')}: ${issue.message}`, `filter.${issue.path.join('.')}`);
  }
  const filter = result.data ?? {};
  const where: Record<string, unknown> = {};
  if (filter.kinds?.length) where.kind = { $in: [...new Set(filter.kinds)] };
  if (filter.status) where.status = filter.status;
  if (filter.assigneeId) where.assigneeId = filter.assigneeId;
  if (filter.from || filter.to) {
    if (filter.from && filter.to && filter.to.getTime() <= filter.from.getTime()) throw badInput('filter.to must be after filter.from', 'filter.to');
    where.spanStart = { ...(filter.from && { $gte: filter.from }), ...(filter.to && { $lt: filter.to }) };
  }
  return where;
}

/**
 * One page, newest first, read by an index led by (tenantId, owner key) and _id descending:
 * `first` + 1 rows tell whether a next page exists. `where` holds the owner keys, the filter
 * and the reader's scope (scopedFilter in the resolvers).
 */
export async function activityPage(where: { tenantId: string } & Record<string, unknown>, args: { first?: number | null; after?: string | null }): Promise<ActivityPage> {
  const size = listSize(args.first, ACTIVITY_PAGE);
  let after: string | undefined;
  if (args.after) {
    after = decodeCursor(args.after);
    if (!isId(after)) throw badInput('after is not a valid cursor', 'after');
  }
  const query = after ? { ...where, _id: { $lt: new Types.ObjectId(after) } } : where;
  const rows = await ActivityModel.find(query).sort({ _id: -1 }).limit(size + 1).lean<ActivityDoc[]>().exec();
  return toConnection(rows, size, () => ActivityModel.countDocuments(where).exec(), Boolean(after));
}
