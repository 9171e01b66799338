import { requireRowFilter } from '@crm/policy';
import { decodeCursor, listSize, notFound, requireId, toConnection, type ListBound } from '@crm/service-kit';
import { Types } from 'mongoose';
import type { DealsContext } from '../../context';
import { liveStages } from '../pipeline/pipeline.model';
import { DealModel, type DealDoc } from './deal.model';

/** Query.staleDeals: as in deal.graphql. */
export const STALE_DEALS: ListBound = { default: 20, max: 100 };

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Open deals that entered their stage before now minus the stage's expected duration, oldest
 * deal first. One query: the pipeline's open deals (tenantId, pipelineId, status: the index's
 * equality prefix) and, per stage with a duration, its stageId and the time it was entered.
 * The cut-offs come from the pipeline as it is now, so a changed duration applies at once to
 * every deal in the stage, with nothing to rewrite on the deals. MongoDB serves each branch
 * from the index (tenantId, pipelineId, status, stageId, stageEnteredAt); the local store
 * pushes only the equalities to SQL and filters the branches after that index read.
 */
export async function staleDeals(pipelineId: string, first: number | null | undefined, after: string | null | undefined, ctx: DealsContext) {
  requireId(pipelineId, 'pipelineId');
  const size = listSize(first, STALE_DEALS);
  const pipeline = await ctx.loaders.pipelineById.load(pipelineId);
  if (!pipeline) throw notFound('Pipeline', pipelineId);
  const now = Date.now();
  const branches = liveStages(pipeline)
    .filter((stage) => stage.expectedDurationDays)
    .map((stage) => ({ stageId: stage._id, stageEnteredAt: { $lt: new Date(now - stage.expectedDurationDays! * DAY_MS) } }));
  if (branches.length === 0 || size === 0) return toConnection<DealDoc>([], size, async () => 0, Boolean(after));
  const filter: Record<string, unknown> = { tenantId: ctx.tenantId, pipelineId: pipeline._id, status: 'OPEN', $or: branches, ...(await requireRowFilter(ctx, 'deal')) };
  if (after) filter._id = { $gt: new Types.ObjectId(requireId(decodeCursor(after), 'after')) };
  const rows = await DealModel.find(filter).sort({ _id: 1 }).limit(size + 1).lean<DealDoc[]>();
  return toConnection(rows, size, async () => rows.length, Boolean(after));
}
