import { createEvent, DealCreated, DealStageChanged } from '@crm/events';
import type { DealsContext } from '../../context';
import { stageRef, type StageDoc } from '../pipeline/pipeline.model';
import type { DealDoc } from './deal.model';

const meta = (deal: DealDoc, ctx: DealsContext) => ({
  tenantId: ctx.tenantId,
  aggregateId: deal._id.toString(),
  correlationId: ctx.correlationId,
  actorId: ctx.userId,
});

export const dealCreated = (deal: DealDoc, stage: StageDoc, ctx: DealsContext) =>
  createEvent(DealCreated, meta(deal, ctx), {
    dealId: deal._id.toString(),
    title: deal.title,
    pipelineId: deal.pipelineId.toString(),
    stage: stageRef(stage),
    companyId: deal.companyId,
    ownerId: deal.ownerId,
    amount: deal.amount,
    currency: deal.currency,
    status: deal.status,
  });

export const dealStageChanged = (deal: DealDoc, from: StageDoc, to: StageDoc, ctx: DealsContext) =>
  createEvent(DealStageChanged, meta(deal, ctx), {
    dealId: deal._id.toString(),
    title: deal.title,
    pipelineId: deal.pipelineId.toString(),
    ownerId: deal.ownerId,
    fromStage: stageRef(from),
    toStage: stageRef(to),
    movedBy: ctx.userId,
  });
