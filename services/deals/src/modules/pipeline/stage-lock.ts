/**
 * Deleting a stage (or changing its kind) while deals are put into it, without transactions.
 *
 * The rule: a stage is deleted, or its kind changed, only while no deal is in it. "No deal is in
 * it" is a read of the deals, the change a write of the pipeline: a deal put into the stage
 * between the two would be left in a stage that no longer exists (or with a status its stage's
 * kind contradicts). With several replicas and single-document atomic writes only (MongoDB 7 and
 * FerretDB alike), both sides take part:
 *
 * updatePipeline (withStagesLocked), when it deletes or re-kinds stages:
 *   M  marks them: `stageLock` {token, stageIds, until} on the pipeline, conditional on the version
 *      read and on no other live mark. No event and no new version: the stages do not change yet.
 *   C  cancels the moves announced into them (`entering` on their deals, see below);
 *   K  checks that no deal is in them; if one is: unmark, CONFLICT;
 *   W  writes the pipeline conditional on the version read AND on its own mark, removing it.
 *      If the mark is gone (a new deal vetoed it) or the version moved: unmark, CONFLICT.
 *
 * moveDealToStage and reopenDeal (deal.moves.ts), which can name the deal they write:
 *   A  announce: `entering` {stageId, token} on the deal, conditional on its stage and status as read;
 *   R  read the pipeline (fresh, after A): refuse a deleted stage (NOT_FOUND) or a marked one
 *      (CONFLICT; a mark past its `until` is removed first, conditionally, or the move is refused);
 *   D  write the move conditional on the announcement still being there (and removing it).
 * Every interleaving with M C K W:
 *   - D before K: K finds the deal, the pipeline change is refused.
 *   - A before C, D after C: C removed the announcement, D matches nothing: CONFLICT for the move.
 *   - A after C: then R comes after M and sees the mark (or the stage already deleted, or the
 *     mark gone with W refused): the move is refused before it writes.
 *   So a move never lands in a stage being deleted, and nothing has to be undone.
 *
 * createDeal and a lead conversion (deal.entry.ts) insert a new document: nothing on the deal
 * can be announced before, so they check after:
 *   I  insert the deal in the entry stage; then
 *   P  read the pipeline: stage live and unmarked: done (a later K sees the deal). Marked: veto,
 *      i.e. remove the mark, conditionally on its token, so that W matches nothing and the change
 *      is refused (the deal is kept, the stage too). Deleted (W came between I and P: the insert
 *      landed after K): the deal moves on to the pipeline's entry stage now (DealStageChanged),
 *      which P checks in turn.
 *   A deal inserted just before M is found by K; one inserted after K and checked before W vetoes.
 *
 * Marks of a replica that died between M and W expire after STAGE_LOCK_TTL_MS: a move or a new
 * deal meeting one removes it (so a slow editor's W fails rather than deletes under them), and
 * a new change may take its place. The stages themselves never wait on a mark for longer.
 */
import { randomUUID } from 'node:crypto';
import { conflict } from '@crm/service-kit';
import { Types } from 'mongoose';
import { DealModel } from '../deal/deal.model';
import { PipelineModel, type PipelineDoc, type StageDoc, type StageLockDoc } from './pipeline.model';

export const STAGE_LOCK_TTL_MS = 30_000;

export type EntryPath = 'move' | 'reopen' | 'create' | 'conversion';

/**
 * Points where a test holds one side of the race back while the other runs (test/stage-races.test.ts).
 * Never set by the service.
 */
export const stageRaceSeams: {
  /** After the pipeline was read and the entry checked, just before the deal's write. */
  beforeEntryWrite?: (entry: { path: EntryPath; dealId: string; stageId: string }) => Promise<void>;
  /** After the check that no deal is in the stages deleted or re-kinded, just before the pipeline's write. */
  beforeStagesWrite?: (pipelineId: string) => Promise<void>;
} = {};

/** The mark covering `stageId`, if there is one (live or expired). */
export const lockOn = (pipeline: PipelineDoc, stageId: Types.ObjectId): StageLockDoc | undefined =>
  pipeline.stageLock?.stageIds.some((id) => id.equals(stageId)) ? pipeline.stageLock : undefined;

/** Removes the mark `token`, if it is still there; answers whether this call removed it. */
export async function releaseLock(pipeline: Pick<PipelineDoc, '_id' | 'tenantId'>, token: string): Promise<boolean> {
  const released = await PipelineModel.updateOne({ _id: pipeline._id, tenantId: pipeline.tenantId, 'stageLock.token': token }, { $unset: { stageLock: '' } }, { timestamps: false });
  return released.modifiedCount === 1;
}

/**
 * A move's check (R above) that `stage` takes deals now: a live mark refuses with CONFLICT; an
 * expired one is removed first (so its editor's write fails), and if someone else changed it
 * meanwhile the move is refused as well.
 */
export async function requireUnmarked(pipeline: PipelineDoc, stage: StageDoc): Promise<void> {
  const lock = lockOn(pipeline, stage._id);
  if (!lock) return;
  if (lock.until.getTime() <= Date.now() && (await releaseLock(pipeline, lock.token))) return;
  throw conflict(`stage "${stage.name}" is being deleted or changed; reload and try again`, { stageId: stage._id.toString() });
}

/** Stages that must be empty for the change, with the refusal's message. */
export interface GuardedStages {
  stages: StageDoc[];
  message: (names: string) => string;
}

export async function refuseIfInUse(pipeline: PipelineDoc, { stages, message }: GuardedStages): Promise<void> {
  if (stages.length === 0) return;
  // One indexed existence check per stage (a few at most): `distinct` is not served with a time limit by the local store.
  const inUse = await Promise.all(stages.map((stage) => DealModel.exists({ tenantId: pipeline.tenantId, pipelineId: pipeline._id, stageId: stage._id })));
  const used = stages.filter((_stage, i) => inUse[i]);
  if (used.length > 0) throw conflict(message(used.map((stage) => `"${stage.name}"`).join(', ')), { stageIds: used.map((stage) => stage._id.toString()) });
}

/**
 * updatePipeline's write when it deletes or re-kinds stages (M C K W above). `write` gets the
 * mark's token: its filter must require `stageLock.token` and its update remove `stageLock`;
 * null when its filter matched nothing. Answers what `write` wrote, or throws CONFLICT.
 */
export async function withStagesLocked<T>(pipeline: PipelineDoc, guarded: GuardedStages[], write: (token: string) => Promise<T | null>): Promise<T> {
  const ids = [...new Set(guarded.flatMap(({ stages }) => stages.map((stage) => stage._id.toString())))];
  const stageIds = ids.map((id) => new Types.ObjectId(id));
  const token = randomUUID();
  const now = new Date();
  const where = { _id: pipeline._id, tenantId: pipeline.tenantId };
  const marked = await PipelineModel.updateOne(
    { ...where, outboxVersion: pipeline.outboxVersion ?? null, $or: [{ stageLock: null }, { 'stageLock.until': { $lte: now } }] },
    { $set: { stageLock: { token, stageIds, until: new Date(now.getTime() + STAGE_LOCK_TTL_MS) } } },
    { timestamps: false },
  );
  if (marked.modifiedCount !== 1) {
    throw conflict(`pipeline ${pipeline._id} was changed by someone else meanwhile, or another change of its stages is under way; reload and try again`);
  }
  let written: T | null = null;
  try {
    await Promise.all(
      stageIds.map((stageId) => DealModel.updateMany({ tenantId: pipeline.tenantId, pipelineId: pipeline._id, 'entering.stageId': stageId }, { $unset: { entering: '' } }, { timestamps: false })),
    );
    for (const check of guarded) await refuseIfInUse(pipeline, check);
    await stageRaceSeams.beforeStagesWrite?.(pipeline._id.toString());
    written = await write(token);
    if (written !== null) return written;
    const stored = await PipelineModel.findOne(where, { stageLock: 1 }).lean<Pick<PipelineDoc, 'stageLock'>>();
    if (stored?.stageLock?.token === token) throw conflict(`pipeline ${pipeline._id} was changed by someone else meanwhile; reload and try again`);
    throw conflict(`a deal entered ${ids.length > 1 ? 'one of the stages' : 'the stage'} meanwhile (archive it instead); reload and try again`, { stageIds: ids });
  } finally {
    // Refused or failed: the stages take deals again at once, not when the mark expires.
    if (written === null) await releaseLock(pipeline, token).catch(() => false);
  }
}
