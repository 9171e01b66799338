import { createPollingWorker, type BackgroundWorker, type Logger } from '@crm/service-kit';
import { PipelineModel, type PipelineDoc, type StageSweepDoc } from '../pipeline/pipeline.model';
import { settleNewDeal } from './deal.entry';
import { DealModel, type DealDoc } from './deal.model';

/**
 * The stranded-deals sweep. createDeal and lead conversions insert a deal in the entry stage and
 * then check it (settleNewDeal, deal.entry.ts): a deal inserted after a deletion of that stage
 * found it empty moves on at once. A replica that dies between the insert and the check leaves
 * the deal in the deleted stage; this sweep finishes that check for it, later.
 *
 * It reads no deal it has no reason to: the updatePipeline write that deletes stages records
 * them on the pipeline (`stageSweeps`: stage id and deletion time, and `stageSweepPending`, an
 * indexed flag), in the same single-document write. Each poll reads up to `batch` flagged
 * pipelines (`{stageSweepPending: true}`, the only query not led by tenantId: the sweep serves
 * every tenant), and for each recorded stage deleted more than `graceMs` ago (longer than any
 * createDeal takes from its read of the pipeline to its insert, company wait included) the deals
 * in it, by `{tenantId, pipelineId, stageId}` (an index of deal.model.ts), at most `batch` deals
 * per poll in all. Each deal found goes through settleNewDeal as its createDeal would have:
 * moved on to the pipeline's entry stage with its DealStageChanged (`movedBy` the user who
 * created it), conditional on its stage, so two replicas sweeping at once move it once; then the
 * entry stage is checked in turn (a mark on it is vetoed, a deletion of it met again). A stage
 * found empty leaves the record; the record is rewritten without it, conditional on the
 * pipeline's version as read, so a deletion recorded meanwhile is never lost (the next poll
 * looks again: it finds nothing to move and clears it).
 *
 * Not covered: a createDeal whose insert comes more than `graceMs` after the deletion, and whose
 * replica dies before its check (the record is gone by then); stages deleted before the record
 * existed.
 */
export interface StageSweepSettings {
  /** How often each process sweeps. */
  intervalMs: number;
  /** How long after a deletion its stages are swept. */
  graceMs: number;
  /** Most pipelines read, and most deals moved, per poll; a full poll runs the next one at once. */
  batch: number;
}

/** The user the deal's createDeal or conversion ran for: the first entry of its history. */
const creatorOf = (deal: DealDoc) => deal.stageHistory[0]?.movedBy ?? deal.ownerId;

/** One poll: answers how many deals it found in deleted stages (each moved on, or found moved by someone else). */
export async function sweepDeletedStages(settings: Pick<StageSweepSettings, 'graceMs' | 'batch'>, logger: Logger, now = new Date()): Promise<number> {
  const pipelines = await PipelineModel.find({ stageSweepPending: true }).limit(settings.batch).lean<PipelineDoc[]>();
  let budget = settings.batch;
  for (const pipeline of pipelines) {
    if (budget === 0) break;
    const recorded = pipeline.stageSweeps ?? [];
    const done: StageSweepDoc[] = [];
    for (const sweep of recorded) {
      if (budget === 0) break;
      if (sweep.deletedAt.getTime() + settings.graceMs > now.getTime()) continue;
      const where = { tenantId: pipeline.tenantId, pipelineId: pipeline._id, stageId: sweep.stageId };
      const stranded = await DealModel.find(where).limit(budget).lean<DealDoc[]>();
      let left = false;
      for (const deal of stranded) {
        const settled = await settleNewDeal(deal, { tenantId: deal.tenantId, userId: creatorOf(deal) });
        if (settled.stageId.equals(sweep.stageId)) left = true;
        else logger.info({ tenantId: deal.tenantId, dealId: deal._id.toString(), stageId: sweep.stageId.toString() }, 'deal left in a deleted stage: moved on to the entry stage');
      }
      const full = stranded.length === budget;
      budget -= stranded.length;
      // A full page may have more behind it: the record stays for the next poll (which runs at once).
      if (!full && !left) done.push(sweep);
    }
    if (done.length === 0) continue;
    const remaining = recorded.filter((sweep) => !done.includes(sweep));
    await PipelineModel.updateOne(
      { _id: pipeline._id, tenantId: pipeline.tenantId, outboxVersion: pipeline.outboxVersion ?? null },
      { $set: { stageSweeps: remaining, stageSweepPending: remaining.length > 0 } },
      { timestamps: false },
    );
  }
  return settings.batch - budget;
}

/** The sweep as a background worker of the service (every `intervalMs`; a failed poll is logged and the next one tries again). */
export const stageSweepWorker = (settings: StageSweepSettings, logger: Logger): BackgroundWorker =>
  createPollingWorker({
    what: 'stranded-deals sweep',
    logger,
    intervalMs: settings.intervalMs,
    batch: settings.batch,
    poll: () => sweepDeletedStages(settings, logger),
  });
