import { requireRowFilter } from '@crm/policy';
import { decodeCursor, listSize, notFound, requireId, toConnection, type ListBound } from '@crm/service-kit';
import { Types } from 'mongoose';
import type { DealsContext } from '../../context';
import { liveStages, stageKind, type StageKind } from '../pipeline/pipeline.model';
import { DealModel, type DealDoc, type DealStatus } from './deal.model';

/** Query.staleDeals: as in deal.graphql. */
export const STALE_DEALS: ListBound = { default: 20, max: 100 };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whose deals a stage's duration watches: open ones in OPEN stages, won ones in POST_SALE stages (delivery, care). */
const watched: Partial<Record<StageKind, DealStatus>> = { OPEN: 'OPEN', POST_SALE: 'WON' };

/**
 * Deals that entered their stage before now minus the stage's expected duration, oldest deal
 * first: open deals in OPEN stages, and won deals in POST_SALE stages (a delivery that drags on).
 * WON and LOST stages close a deal: nothing is late there. One query: the pipeline's deals of
 * those statuses (tenantId, pipelineId, status: the index's equality prefix) and, per stage with
 * a duration, the status its deals have, its stageId and the time it was entered. The cut-offs
 * come from the pipeline as it is now, so a changed duration applies at once to every deal in
 * the stage, with nothing to rewrite on the deals. MongoDB serves each branch from the index
 * (tenantId, pipelineId, status, stageId, stageEnteredAt); the local store pushes only the
 * equalities (and the status list) to SQL and filters the branches after that index read.
 */
export async function staleDeals(pipelineId: string, first: number | null | undefined, after: string | null | undefined, ctx: DealsContext) {
  requireId(pipelineId, 'pipelineId');
  const size = listSize(first, STALE_DEALS);
  const pipeline = await ctx.loaders.pipelineById.load(pipelineId);
  if (!pipeline) throw notFound('Pipeline', pipelineId);
  const now = Date.now();
  const branches = liveStages(pipeline).flatMap((stage) => {
    const status = watched[stageKind(stage)];
    if (!stage.expectedDurationDays || !status) return [];
    return [{ status, stageId: stage._id, stageEnteredAt: { $lt: new Date(now - stage.expectedDurationDays * DAY_MS) } }];
  });
  if (branches.length === 0 || size === 0) return toConnection<DealDoc>([], size, async () => 0, Boolean(after));
  // The statuses again beside the branches: the index's third equality (a `status IN` the local store pushes to SQL).
  const statuses = [...new Set(branches.map((branch) => branch.status))];
  const filter: Record<string, unknown> = { tenantId: ctx.tenantId, pipelineId: pipeline._id, status: { $in: statuses }, $or: branches, ...(await requireRowFilter(ctx, 'deal')) };
  if (after) filter._id = { $gt: new Types.ObjectId(requireId(decodeCursor(after), 'after')) };
  const rows = await DealModel.find(filter).sort({ _id: 1 }).limit(size + 1).lean<DealDoc[]>();
  return toConnection(rows, size, async () => rows.length, Boolean(after));
}
