import { updateWithEvents } from '@crm/messaging';
import type { EventCause } from '@crm/events';
import { entryStage, findStage, PipelineModel, type PipelineDoc } from '../pipeline/pipeline.model';
import { pipelineVersionOf } from '../pipeline/pipeline.events';
import { lockOn, releaseLock } from '../pipeline/stage-lock';
import { dealStageChanged } from './deal.events';
import { DealModel, type DealDoc } from './deal.model';
import { secondsBetween } from './deal.rules';

/** Rounds of settleNewDeal: each one needs another writer's change of the pipeline or the deal to run again. */
const SETTLE_ROUNDS = 10;

/**
 * After a new deal is inserted in its pipeline's entry stage (createDeal, a lead conversion): the
 * check that its stage is not being deleted or re-kinded (I then P in pipeline/stage-lock.ts). An
 * insert cannot be made conditional on the pipeline, so the check comes after it:
 * - the stage is live and unmarked: done; an updatePipeline marking it later finds the deal;
 * - it is marked: the mark is removed (conditional on its token), so that change is refused
 *   with CONFLICT when it writes, and the deal stays where it is;
 * - it was deleted since the pipeline was read (the insert landed after the deletion's check):
 *   the deal moves on to the entry stage now, with its DealStageChanged, checked in turn.
 * Answers the deal as stored. A replica that dies before this check leaves it to the
 * stranded-deals sweep (deal.sweep.ts), which runs it for the deal later.
 */
export async function settleNewDeal(inserted: DealDoc, cause: EventCause & { userId: string }): Promise<DealDoc> {
  let deal = inserted;
  for (let round = 0; round < SETTLE_ROUNDS; round++) {
    const pipeline = await PipelineModel.findOne({ _id: deal.pipelineId, tenantId: deal.tenantId }).lean<PipelineDoc>();
    // Pipelines and their stages stay stored (deleted ones flagged): neither is missing.
    const stage = pipeline && findStage(pipeline, deal.stageId);
    if (!pipeline || !stage) return deal;
    if (!stage.deleted) {
      const lock = lockOn(pipeline, stage._id);
      if (!lock || (await releaseLock(pipeline, lock.token))) return deal;
      continue; // the mark changed meanwhile: look again
    }
    const entry = entryStage(pipeline);
    if (!entry) return deal; // no pipeline is stored without one (pipeline.rules.ts)
    const now = new Date();
    const durationSeconds = secondsBetween(deal.stageEnteredAt, now);
    const set = { stageId: entry._id, stageEnteredAt: now };
    const moved = await updateWithEvents(
      DealModel,
      { _id: deal._id, tenantId: deal.tenantId, stageId: deal.stageId },
      {
        $set: set,
        $push: { stageHistory: { fromStageId: stage._id, toStageId: entry._id, movedBy: cause.userId, movedAt: now, durationSeconds, skipped: [], reopened: false, lostReason: null } },
      },
      dealStageChanged({ ...deal, ...set } as DealDoc, stage, entry, { durationSeconds, skipped: [], pipelineVersion: pipelineVersionOf(pipeline) }, cause),
    );
    // Null: moved by someone else meanwhile (a move checks its own stage): look at it again.
    const current = moved ?? (await DealModel.findOne({ _id: deal._id, tenantId: deal.tenantId }).lean<DealDoc>());
    if (!current) return deal;
    deal = current;
  }
  throw new Error(`deal ${deal._id}: its stage changed under it ${SETTLE_ROUNDS} times in a row`);
}
