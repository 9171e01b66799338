import {
  createEvent,
  DealCreated,
  DealLost,
  DealReopened,
  DealStageChanged,
  DealUpdated,
  DealWon,
  eventMeta,
  KeyStepCompleted,
  StageResultRecorded,
  type EventCause,
} from '@crm/events';
import { stageRef, type KeyStepDoc, type StageDoc } from '../pipeline/pipeline.model';
import type { DealDoc, FieldChangeDoc } from './deal.model';

type Actor = EventCause & { userId: string };

const dealFields = (deal: DealDoc) => ({
  dealId: deal._id.toString(),
  title: deal.title,
  pipelineId: deal.pipelineId.toString(),
  ownerId: deal.ownerId,
});

const meta = (deal: DealDoc, cause: EventCause) => eventMeta(cause, deal._id.toString());

/**
 * The version of the deal's pipeline its stage was checked against (pipeline.events.ts
 * `pipelineVersionOf`): a consumer holding an older copy of the pipeline knows it is behind.
 * Left out when the pipeline has none (stored before versions were counted).
 */
const versionField = (pipelineVersion: number | undefined) => (pipelineVersion ? { pipelineVersion } : {});

export const dealCreated = (deal: DealDoc, stage: StageDoc, cause: EventCause, pipelineVersion: number | undefined) =>
  createEvent(DealCreated, meta(deal, cause), {
    ...dealFields(deal),
    stage: stageRef(stage),
    companyId: deal.companyId,
    amount: deal.amount,
    currency: deal.currency,
    status: deal.status,
    teamId: deal.teamId ?? null,
    territoryId: deal.territoryId ?? null,
    source: deal.source ?? null,
    expectedCloseDate: deal.expectedCloseDate ?? null,
    contacts: deal.contacts ?? [],
    ...versionField(pipelineVersion),
    lineItems: (deal.lineItems ?? []).map(({ product, quantity, unitPrice, discountPercent }) => ({ product, quantity, unitPrice, discountPercent: discountPercent ?? 0 })),
  });

/** `movedBy`: the user who moved it (the request's user). `deal`: as it is after the move; `move.pipelineVersion`: of the pipeline it was checked against. */
export const dealStageChanged = (
  deal: DealDoc,
  from: StageDoc,
  to: StageDoc,
  move: { durationSeconds: number | null; skipped: string[]; pipelineVersion: number | undefined },
  cause: Actor,
) =>
  createEvent(DealStageChanged, meta(deal, cause), {
    ...dealFields(deal),
    fromStage: stageRef(from),
    toStage: stageRef(to),
    movedBy: cause.userId,
    status: deal.status,
    ...(move.durationSeconds !== null && { durationSeconds: move.durationSeconds }),
    skipped: move.skipped,
    ...versionField(move.pipelineVersion),
  });

const closedFields = (deal: DealDoc, stage: StageDoc, closedAt: Date) => ({
  ...dealFields(deal),
  companyId: deal.companyId,
  amount: deal.amount,
  currency: deal.currency,
  stage: stageRef(stage),
  closedAt: closedAt.toISOString(),
});

export const dealWon = (deal: DealDoc, stage: StageDoc, closedAt: Date, cause: Actor, pipelineVersion: number | undefined) =>
  createEvent(DealWon, meta(deal, cause), { ...closedFields(deal, stage, closedAt), wonBy: cause.userId, ...versionField(pipelineVersion) });

export const dealLost = (deal: DealDoc, stage: StageDoc, closedAt: Date, lostReason: string, cause: Actor) =>
  createEvent(DealLost, meta(deal, cause), { ...closedFields(deal, stage, closedAt), lostReason, lostBy: cause.userId });

export const dealReopened = (deal: DealDoc, previousStatus: 'WON' | 'LOST', from: StageDoc, to: StageDoc, cause: Actor) =>
  createEvent(DealReopened, meta(deal, cause), { ...dealFields(deal), previousStatus, fromStage: stageRef(from), toStage: stageRef(to), reopenedBy: cause.userId });

/** `deal`: as it is after the update (its title and owner may be among the changes). */
export const dealUpdated = (deal: DealDoc, changes: FieldChangeDoc[], cause: Actor) =>
  createEvent(DealUpdated, meta(deal, cause), { ...dealFields(deal), changes, updatedBy: cause.userId });

export const keyStepCompleted = (deal: DealDoc, stage: StageDoc, step: KeyStepDoc, cause: Actor) =>
  createEvent(KeyStepCompleted, meta(deal, cause), {
    ...dealFields(deal),
    stage: stageRef(stage),
    stepId: step._id.toString(),
    title: step.title,
    role: step.role,
    completedBy: cause.userId,
  });

export const stageResultRecorded = (deal: DealDoc, stage: StageDoc, text: string, cause: Actor) =>
  createEvent(StageResultRecorded, meta(deal, cause), { ...dealFields(deal), stage: stageRef(stage), text, recordedBy: cause.userId });
