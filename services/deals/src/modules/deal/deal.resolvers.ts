import { withEvents } from '@crm/messaging';
import { badInput, conflict, notFound, parseInput, requireId } from '@crm/service-kit';
import type { DealsContext } from '../../context';
import type { Resolvers } from '../../generated/graphql';
import type { PipelineDoc, StageDoc } from '../pipeline/pipeline.model';
import { dealCreated, dealStageChanged } from './deal.events';
import { createDealInput } from './deal.input';
import { DealModel, type DealDoc } from './deal.model';

async function pipelineOf(deal: DealDoc, ctx: DealsContext): Promise<PipelineDoc> {
  const pipeline = await ctx.loaders.pipelineById.load(deal.pipelineId.toString());
  if (!pipeline) throw new Error(`deal ${deal._id} refers to a missing pipeline`);
  return pipeline;
}

const stageById = (pipeline: PipelineDoc, id: { toString(): string } | null) =>
  id ? pipeline.stages.find((stage) => stage._id.toString() === id.toString()) : undefined;

function requireStage(pipeline: PipelineDoc, id: { toString(): string }): StageDoc {
  const stage = stageById(pipeline, id);
  if (!stage) throw new Error(`pipeline ${pipeline._id} has no stage ${id}`);
  return stage;
}

export const dealResolvers: Resolvers = {
  Query: {
    deal: (_parent, { id }, ctx) => ctx.loaders.dealById.load(id),
  },
  Mutation: {
    createDeal: async (_parent, { input }, ctx) => {
      const fields = parseInput(createDealInput, input);
      const companyId = requireId(fields.companyId, 'companyId');
      const pipelineId = requireId(fields.pipelineId, 'pipelineId');
      const [pipeline, company] = await Promise.all([ctx.loaders.pipelineById.load(pipelineId), ctx.loaders.knownCompanyById.load(companyId)]);
      if (!pipeline) throw notFound('Pipeline', pipelineId);
      if (!company) throw notFound('Company', companyId);
      const [firstStage] = pipeline.stages;
      if (!firstStage) throw new Error(`pipeline ${pipelineId} has no stages`);
      const now = new Date();
      const deal = new DealModel({
        tenantId: ctx.tenantId,
        title: fields.title,
        companyId,
        pipelineId: pipeline._id,
        stageId: firstStage._id,
        amount: fields.amount,
        currency: fields.currency,
        status: 'OPEN',
        ownerId: fields.ownerId ?? ctx.userId,
        stageHistory: [{ fromStageId: null, toStageId: firstStage._id, movedBy: ctx.userId, movedAt: now }],
      });
      deal.outbox = [dealCreated(deal, firstStage, ctx)];
      await deal.save();
      ctx.relay.kick();
      return deal.toObject();
    },

    moveDealToStage: async (_parent, { id, stageId }, ctx) => {
      requireId(id, 'id');
      requireId(stageId, 'stageId');
      const deal = await ctx.loaders.dealById.load(id);
      if (!deal) throw notFound('Deal', id);
      const pipeline = await pipelineOf(deal, ctx);
      const to = stageById(pipeline, stageId);
      if (!to) throw badInput(`stage ${stageId} is not a stage of the deal's pipeline "${pipeline.name}"`, 'stageId');
      if (deal.status !== 'OPEN') throw conflict(`deal ${id} is ${deal.status.toLowerCase()}; only open deals move between stages`);
      if (deal.stageId.equals(to._id)) return deal; // already there: nothing changes, nothing is published
      const from = requireStage(pipeline, deal.stageId);

      // The filter on the current stage makes the move conditional: two managers moving the
      // same deal at once cannot both win, and the event always matches the stored change.
      const moved = await DealModel.findOneAndUpdate(
        { _id: deal._id, tenantId: ctx.tenantId, stageId: deal.stageId },
        withEvents(
          {
            $set: { stageId: to._id },
            $push: { stageHistory: { fromStageId: from._id, toStageId: to._id, movedBy: ctx.userId, movedAt: new Date() } },
          },
          dealStageChanged(deal, from, to, ctx),
        ),
        { returnDocument: 'after' },
      ).lean<DealDoc>();
      if (!moved) throw conflict(`deal ${id} was moved by someone else meanwhile; reload and try again`);
      ctx.relay.kick();
      return moved;
    },
  },
  Deal: {
    __resolveReference: (reference, ctx) => ctx.loaders.dealById.load(reference.id),
    id: (deal) => deal._id.toString(),
    company: (deal) => ({ id: deal.companyId }),
    pipeline: (deal, _args, ctx) => pipelineOf(deal, ctx),
    stage: async (deal, _args, ctx) => requireStage(await pipelineOf(deal, ctx), deal.stageId),
    stageHistory: async (deal, _args, ctx) => {
      const pipeline = await pipelineOf(deal, ctx);
      return deal.stageHistory.map((change) => ({ ...change, pipeline }));
    },
  },
  StageChange: {
    from: (change) => (change.fromStageId ? requireStage(change.pipeline, change.fromStageId) : null),
    to: (change) => requireStage(change.pipeline, change.toStageId),
  },
};
