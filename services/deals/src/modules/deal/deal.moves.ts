import { randomUUID } from 'node:crypto';
import { updateWithEvents } from '@crm/messaging';
import { requireCan } from '@crm/policy';
import { badInput, conflict, ErrorCode, failedPrecondition, forbidden, notFound, parseInput, requireId } from '@crm/service-kit';
import type { Envelope } from '@crm/events';
import { GraphQLError } from 'graphql';
import { Types } from 'mongoose';
import type { DealsContext } from '../../context';
import { findStage, stageKind, strictnessOf, type PipelineDoc, type StageDoc } from '../pipeline/pipeline.model';
import { pipelineVersionOf } from '../pipeline/pipeline.events';
import { requireUnmarked, stageRaceSeams, type EntryPath } from '../pipeline/stage-lock';
import { dealLost, dealReopened, dealStageChanged, dealWon, keyStepCompleted, stageResultRecorded } from './deal.events';
import { stageResultInput } from './deal.input';
import { DealModel, type DealDoc, type StageChangeDoc } from './deal.model';
import { moveOutcome, secondsBetween, skippedItems, undoneOnTheWay } from './deal.rules';
import { lostReasonsOf } from './lost-reasons.model';

/** The deal's pipeline: fresh for a write to be checked against, or as kept for showing (`show`). */
export async function pipelineOf(deal: DealDoc, ctx: DealsContext, purpose: 'write' | 'show' = 'write'): Promise<PipelineDoc> {
  const loader = purpose === 'show' ? ctx.loaders.pipelineToShow : ctx.loaders.pipelineById;
  const pipeline = await loader.load(deal.pipelineId.toString());
  if (!pipeline) throw new Error(`deal ${deal._id} refers to a missing pipeline`);
  return pipeline;
}

export function requireStage(pipeline: PipelineDoc, id: { toString(): string }): StageDoc {
  const stage = findStage(pipeline, id);
  if (!stage) throw new Error(`pipeline ${pipeline._id} has no stage ${id}`);
  return stage;
}

async function loadDeal(id: string, field: string, ctx: DealsContext) {
  requireId(id, field);
  const deal = await ctx.loaders.dealById.load(id);
  if (!deal) throw notFound('Deal', id);
  // Moving a deal, reopening it and recording its steps are updates of it; the owner read is part of the write's condition.
  await requireCan(ctx, 'deal', 'update', deal);
  const pipeline = await pipelineOf(deal, ctx);
  return { deal, pipeline, current: requireStage(pipeline, deal.stageId) };
}

/**
 * A move into a stage (moveDealToStage, reopenDeal), safe against a concurrent deletion or
 * re-kinding of that stage (pipeline/stage-lock.ts): every check runs first against the pipeline
 * as loaded, so a refused move writes nothing; then the move is announced on the deal
 * (conditional on its stage, status and owner as read), the pipeline read again, fresh, and the
 * checks run again against it. An updatePipeline either comes before that read (its mark refuses
 * the move) or cancels the announcement (the move's write matches nothing). `plan` answers null
 * when there is nothing to move. A refusal after the announcement withdraws it.
 */
async function moveSafely<P>(
  id: string,
  stageId: string,
  ctx: DealsContext,
  plan: (deal: DealDoc, pipeline: PipelineDoc) => Promise<P | null>,
  write: (deal: DealDoc, planned: P, token: string) => Promise<DealDoc>,
): Promise<DealDoc> {
  const { deal, pipeline } = await loadDeal(id, 'id', ctx);
  requireId(stageId, 'stageId');
  if ((await plan(deal, pipeline)) === null) return deal;
  const token = randomUUID();
  // Bookkeeping, no event: the version (outboxVersion) and updatedAt stay as they are.
  const announced = await DealModel.updateOne(
    { _id: deal._id, tenantId: deal.tenantId, stageId: deal.stageId, status: deal.status, ownerId: deal.ownerId },
    { $set: { entering: { stageId: new Types.ObjectId(stageId), token } } },
    { timestamps: false },
  );
  if (announced.modifiedCount !== 1) throw conflict(`deal ${id} was moved by someone else meanwhile; reload and try again`);
  try {
    ctx.loaders.pipelineById.clear(deal.pipelineId.toString());
    const planned = await plan(deal, await pipelineOf(deal, ctx));
    if (planned === null) throw conflict(`deal ${id}: its pipeline changed meanwhile; reload and try again`);
    return await write(deal, planned, token);
  } catch (error) {
    await DealModel.updateOne({ _id: deal._id, tenantId: deal.tenantId, 'entering.token': token }, { $unset: { entering: '' } }, { timestamps: false }).catch(() => undefined);
    throw error;
  }
}

/** Per-stage rights: a stage may name the roles that move deals into it (admins always may). */
function requireStageRole(stage: StageDoc, ctx: DealsContext): void {
  const allowed = stage.allowedRoles ?? [];
  if (allowed.length === 0 || ctx.identity.roles.some((role) => role === 'admin' || allowed.includes(role))) return;
  throw forbidden(`only ${allowed.join(', ')} may move deals into "${stage.name}"`);
}

/**
 * A stage a deal may enter: of its pipeline (else BAD_USER_INPUT), not deleted (NOT_FOUND: it
 * was one), not archived (BAD_USER_INPUT). Then `requireUnmarked`: not being deleted or re-kinded (CONFLICT).
 */
function targetStage(pipeline: PipelineDoc, stageId: string): StageDoc {
  const to = findStage(pipeline, stageId);
  if (!to) throw badInput(`stage ${stageId} is not a stage of the deal's pipeline "${pipeline.name}"`, 'stageId');
  if (to.deleted) {
    throw new GraphQLError(`stage "${to.name}" was deleted from pipeline "${pipeline.name}"`, { extensions: { code: ErrorCode.NOT_FOUND, entity: 'Stage', id: stageId } });
  }
  if (to.archived) throw badInput(`stage "${to.name}" is archived: no deal enters it`, 'stageId');
  return to;
}

/**
 * Guided selling on a move forward from `from` (the stage left) into `to`, at the pipeline's
 * strictness: ENFORCE refuses with what is missing in the stage left and in every stage passed
 * over; WARN answers it as skipped (recorded with the move); NONE checks nothing.
 */
function guidedSkips(pipeline: PipelineDoc, deal: DealDoc, from: StageDoc, to: StageDoc): string[] {
  const strictness = strictnessOf(pipeline);
  if (strictness === 'NONE') return [];
  const undone = undoneOnTheWay(pipeline.stages, from, { position: to.position, kind: stageKind(to) }, deal.keyStepsDone, deal.stageResults);
  const skipped = skippedItems(undone, from._id.toString());
  if (strictness === 'ENFORCE' && undone.length > 0) {
    const stages = undone.map(({ name }) => `"${name}"`).join(', ');
    throw failedPrecondition(`moving on to "${to.name}" needs the key steps done and the result recorded in ${stages}`, skipped, { stageId: undone[0]!.stageId });
  }
  return skipped;
}

/**
 * Where a closed deal left the open path: the last OPEN stage it was in (lost from, or won from;
 * one deleted since has no place in the order any more: the one before it). Reopening picks up
 * from there, so going back in further on is checked as moving there would be.
 */
function closedFrom(deal: DealDoc, pipeline: PipelineDoc): StageDoc | undefined {
  for (const change of [...deal.stageHistory].reverse()) {
    const stage = findStage(pipeline, change.toStageId);
    if (stage && !stage.deleted && stageKind(stage) === 'OPEN') return stage;
  }
  return undefined;
}

/**
 * The write of every move: conditional on the deal's stage and status as read, so two managers
 * moving the same deal at once cannot both win, and the events always match what is stored; and
 * on the move's announcement (moveSafely), which a deletion of the stage cancels.
 */
async function writeMove(path: EntryPath, deal: DealDoc, token: string, set: Record<string, unknown>, entry: StageChangeDoc, events: (after: DealDoc) => Envelope[]) {
  await stageRaceSeams.beforeEntryWrite?.({ path, dealId: deal._id.toString(), stageId: entry.toStageId.toString() });
  const after = { ...deal, ...set } as DealDoc;
  const moved = await updateWithEvents(
    DealModel,
    { _id: deal._id, tenantId: deal.tenantId, stageId: deal.stageId, status: deal.status, ownerId: deal.ownerId, 'entering.token': token },
    { $set: set, $unset: { entering: '' }, $push: { stageHistory: entry } },
    ...events(after),
  );
  if (!moved) throw conflict(`deal ${deal._id} was moved by someone else meanwhile, or its new stage is being deleted or changed; reload and try again`);
  return moved;
}

export async function moveDeal(id: string, stageId: string, lostReason: string | null | undefined, ctx: DealsContext): Promise<DealDoc> {
  const plan = async (deal: DealDoc, pipeline: PipelineDoc) => {
    const from = requireStage(pipeline, deal.stageId);
    const to = targetStage(pipeline, stageId);
    if (deal.stageId.equals(to._id)) return null; // already there: nothing changes, nothing is published
    await requireUnmarked(pipeline, to);
    requireStageRole(to, ctx);
    const outcome = moveOutcome(deal.status, stageKind(to));
    if (!outcome.ok) {
      if (outcome.code === 'CONFLICT') throw conflict(`deal ${id}: ${outcome.message}`);
      throw failedPrecondition(`deal ${id}: ${outcome.message}`, ['WON stage']);
    }
    let reason: string | null = null;
    if (outcome.loses) {
      const reasons = await lostReasonsOf(ctx.tenantId);
      const given = lostReason?.trim();
      if (!given) throw badInput(`a lost deal needs a lostReason, one of: ${reasons.join('; ')}`, 'lostReason');
      reason = reasons.find((known) => known.toLowerCase() === given.toLowerCase()) ?? null;
      if (!reason) throw badInput(`lostReason must be one of the tenant's reasons: ${reasons.join('; ')}`, 'lostReason');
    }
    return { from, to, outcome, reason, warned: guidedSkips(pipeline, deal, from, to), pipelineVersion: pipelineVersionOf(pipeline) };
  };
  return moveSafely(id, stageId, ctx, plan, (deal, { from, to, outcome, reason, warned, pipelineVersion }, token) => {
    const now = new Date();
    const durationSeconds = secondsBetween(deal.stageEnteredAt ?? deal.stageHistory.at(-1)?.movedAt, now);
    const set: Record<string, unknown> = { stageId: to._id, stageEnteredAt: now, status: outcome.status };
    if (outcome.closes) Object.assign(set, { closedAt: now, lostReason: reason });
    const entry = { fromStageId: from._id, toStageId: to._id, movedBy: ctx.userId, movedAt: now, durationSeconds, skipped: warned, reopened: false, lostReason: reason };
    return writeMove('move', deal, token, set, entry, (after) => [
      dealStageChanged(after, from, to, { durationSeconds, skipped: warned, pipelineVersion }, ctx),
      ...(outcome.wins ? [dealWon(after, to, now, ctx, pipelineVersion)] : []),
      ...(outcome.loses ? [dealLost(after, to, now, reason!, ctx)] : []),
    ]);
  });
}

export async function reopenDeal(id: string, stageId: string, ctx: DealsContext): Promise<DealDoc> {
  const plan = async (deal: DealDoc, pipeline: PipelineDoc) => {
    const from = requireStage(pipeline, deal.stageId);
    const to = targetStage(pipeline, stageId);
    await requireUnmarked(pipeline, to);
    requireStageRole(to, ctx);
    if (deal.status === 'OPEN') throw conflict(`deal ${id} is open already`);
    if (stageKind(to) !== 'OPEN') throw badInput(`a reopened deal goes to an OPEN stage; "${to.name}" is ${stageKind(to)}`, 'stageId');
    // Lost from the first stage and reopened further on is a move forward from there: checked as one.
    const left = closedFrom(deal, pipeline);
    return { from, to, previousStatus: deal.status, warned: left ? guidedSkips(pipeline, deal, left, to) : [] };
  };
  return moveSafely(id, stageId, ctx, plan, (deal, { from, to, previousStatus, warned }, token) => {
    const now = new Date();
    const durationSeconds = secondsBetween(deal.stageEnteredAt ?? deal.stageHistory.at(-1)?.movedAt, now);
    const set = { stageId: to._id, stageEnteredAt: now, status: 'OPEN', closedAt: null, lostReason: null };
    const entry = { fromStageId: from._id, toStageId: to._id, movedBy: ctx.userId, movedAt: now, durationSeconds, skipped: warned, reopened: true, lostReason: null };
    return writeMove('reopen', deal, token, set, entry, (after) => [dealReopened(after, previousStatus, from, to, ctx)]);
  });
}

export async function completeKeyStep(dealId: string, stepId: string, ctx: DealsContext): Promise<DealDoc> {
  const { deal, current } = await loadDeal(dealId, 'dealId', ctx);
  requireId(stepId, 'stepId');
  const step = (current.keySteps ?? []).find((candidate) => candidate._id.toString() === stepId);
  if (!step) throw badInput(`key step ${stepId} is not a step of the deal's current stage "${current.name}"`, 'stepId');
  if (deal.keyStepsDone?.[stepId]) return deal; // ticked before: nothing changes, nothing is published
  // Conditional on the step not being ticked yet: a second tick at once changes nothing.
  const ticked = await updateWithEvents(
    DealModel,
    { _id: deal._id, tenantId: ctx.tenantId, [`keyStepsDone.${stepId}`]: { $exists: false } },
    { $set: { [`keyStepsDone.${stepId}`]: { stageId: current._id.toString(), by: ctx.userId, at: new Date() } } },
    keyStepCompleted(deal, current, step, ctx),
  );
  return ticked ?? (await reload(deal));
}

export async function recordStageResult(dealId: string, text: string, ctx: DealsContext): Promise<DealDoc> {
  const { deal, current } = await loadDeal(dealId, 'dealId', ctx);
  const result = parseInput(stageResultInput, { text }).text;
  const stageId = current._id.toString();
  if (deal.stageResults?.[stageId]?.text === result) return deal;
  // Conditional on the stage as read: a result is recorded for the stage the caller saw.
  const recorded = await updateWithEvents(
    DealModel,
    { _id: deal._id, tenantId: ctx.tenantId, stageId: deal.stageId },
    { $set: { [`stageResults.${stageId}`]: { text: result, by: ctx.userId, at: new Date() } } },
    stageResultRecorded(deal, current, result, ctx),
  );
  if (!recorded) throw conflict(`deal ${dealId} was moved meanwhile; reload and try again`);
  return recorded;
}

async function reload(deal: DealDoc): Promise<DealDoc> {
  const fresh = await DealModel.findOne({ _id: deal._id, tenantId: deal.tenantId }).lean<DealDoc>();
  if (!fresh) throw notFound('Deal', deal._id.toString());
  return fresh;
}
