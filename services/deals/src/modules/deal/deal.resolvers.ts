import { hasRole } from '@crm/auth';
import { createEvent, eventMeta, LostReasonsChanged } from '@crm/events';
import { insertWithEvents, updateWithEvents } from '@crm/messaging';
import { authorizeChange, guardField, isFieldDenied, readable, requireCan, requireCreate, requireReadable, type HasAccess } from '@crm/policy';
import { badInput, conflict, forbidden, listSize, notFound, parseInput, requireId, type ListBound } from '@crm/service-kit';
import { GraphQLScalarType } from 'graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { Types } from 'mongoose';
import { referCompany } from '../company/company-references';
import type { Resolvers } from '../../generated/graphql';
import { entryStage } from '../pipeline/pipeline.model';
import { pipelineVersionOf } from '../pipeline/pipeline.events';
import { stageRaceSeams } from '../pipeline/stage-lock';
import { settleNewDeal } from './deal.entry';
import { dealCreated, dealUpdated } from './deal.events';
import { createDealInput, lostReasonsInput, MAX_AMOUNT, updateDealInput, type LineItemInput } from './deal.input';
import { DealModel, MAX_CHANGE_LOG, type DealDoc, type FieldChangeDoc } from './deal.model';
import { completeKeyStep, moveDeal, pipelineOf, recordStageResult, reopenDeal, requireStage } from './deal.moves';
import { amountOf, fieldChanges, lineTotal } from './deal.rules';
import { staleDeals } from './deal.stale';
import { DEFAULT_LOST_REASONS, LostReasonsModel, lostReasonsOf } from './lost-reasons.model';
import { ConcessionModel } from '../concession/concession.model';

/**
 * Deal.stageHistory: as in deal.graphql. The history is part of the deal's document (already
 * read), so this bounds the answer, not a read.
 */
export const STAGE_HISTORY: ListBound = { default: 20, max: 200 };
export const CHANGE_LOG: ListBound = { default: 20, max: MAX_CHANGE_LOG };

/**
 * The amount of a deal: from its line items when there are some (a different amount given is
 * refused), bounded as a given amount is.
 */
function dealAmount(amount: number | null | undefined, items: LineItemInput[] | null | undefined, current?: number): number {
  if (items && items.length > 0) {
    const computed = amountOf(items);
    if (computed > MAX_AMOUNT) throw badInput(`the lineItems make an amount over ${MAX_AMOUNT}`, 'lineItems');
    if (amount != null && Math.abs(amount - computed) >= 0.005) throw badInput('amount follows from lineItems; leave it out', 'amount'); // no total: the items may be the stored ones, and the amount a denied field
    return computed;
  }
  if (amount != null) return amount;
  if (current !== undefined) return current;
  throw badInput('amount is required without lineItems', 'amount');
}

/** The updatable fields of a deal as the API names them (the diff of updateDeal). */
const updatable = (deal: DealDoc) => ({
  title: deal.title,
  amount: deal.amount,
  currency: deal.currency,
  ownerId: deal.ownerId,
  teamId: deal.teamId ?? null,
  territoryId: deal.territoryId ?? null,
  contacts: deal.contacts ?? [],
  lineItems: deal.lineItems ?? [],
  expectedCloseDate: deal.expectedCloseDate ?? null,
  source: deal.source ?? null,
  customFields: deal.customFields ?? {},
});

/**
 * JSONObject parses any JSON: the input schemas (zod) then refuse a non-object with a
 * BAD_USER_INPUT naming the field. A scalar that threw while coercing variables would fail the
 * whole request before any resolver, which the gateway can only report as an internal error.
 */
const JSONObject = new GraphQLScalarType({ ...GraphQLJSON.toConfig(), name: 'JSONObject' });

/**
 * Changes whose values give a deal's amount away (the line items' prices make it). A reader denied
 * Deal.amount sees that they changed, not their values: null with FORBIDDEN on `from` and `to`,
 * as the contacts service's timeline shows a denied field's change.
 */
const AMOUNT_FIELDS = new Set(['amount', 'lineItems']);
const changedValue = (pick: (change: FieldChangeDoc) => unknown) => async (change: FieldChangeDoc, _args: unknown, ctx: HasAccess) => {
  if (AMOUNT_FIELDS.has(change.field) && isFieldDenied(await ctx.access(), 'Deal', 'amount')) throw forbidden('you may not read Deal.amount');
  return pick(change) ?? null;
};

/** The approvers' queue follows the deal's owner: its concession requests carry it (their row scope). */
const ownerOfConcessions = (deal: Pick<DealDoc, '_id' | 'tenantId' | 'ownerId'>) =>
  ConcessionModel.updateMany({ tenantId: deal.tenantId, dealId: deal._id, dealOwnerId: { $ne: deal.ownerId } }, { $set: { dealOwnerId: deal.ownerId } });

export const dealResolvers: Resolvers = {
  JSON: GraphQLJSON,
  JSONObject,
  Query: {
    deal: async (_parent, { id }, ctx) => requireReadable(ctx, 'deal', await ctx.loaders.dealById.load(id)),
    staleDeals: (_parent, { pipelineId, first, after }, ctx) => staleDeals(pipelineId, first, after, ctx),
    lostReasons: (_parent, _args, ctx) => lostReasonsOf(ctx.tenantId),
  },
  Mutation: {
    createDeal: async (_parent, { input }, ctx) => {
      const fields = parseInput(createDealInput, input);
      await requireCreate(ctx, 'deal', fields.ownerId);
      const companyId = requireId(fields.companyId, 'companyId');
      const pipelineId = requireId(fields.pipelineId, 'pipelineId');
      const pipeline = await ctx.loaders.pipelineById.load(pipelineId);
      if (!pipeline) throw notFound('Pipeline', pipelineId);
      const firstStage = entryStage(pipeline);
      if (!firstStage) throw new Error(`pipeline ${pipelineId} has no stage to start in`);
      const amount = dealAmount(fields.amount, fields.lineItems);
      // Read your own writes: waits briefly for a company just created in contacts, else accepts it
      // PENDING (company module). Last before the insert: it may record a reference for the deal.
      const dealId = new Types.ObjectId();
      const company = await referCompany(ctx, companyId, dealId);
      const now = new Date();
      const deal = {
        _id: dealId,
        tenantId: ctx.tenantId,
        title: fields.title,
        companyId: company.companyId,
        pipelineId: pipeline._id,
        stageId: firstStage._id,
        amount,
        currency: fields.currency,
        status: 'OPEN',
        ownerId: fields.ownerId ?? ctx.userId,
        teamId: fields.teamId ?? null,
        territoryId: fields.territoryId ?? null,
        contacts: fields.contacts ?? [],
        lineItems: fields.lineItems ?? [],
        expectedCloseDate: fields.expectedCloseDate ?? null,
        source: fields.source ?? null,
        customFields: fields.customFields ?? {},
        stageEnteredAt: now,
        stageHistory: [{ fromStageId: null, toStageId: firstStage._id, movedBy: ctx.userId, movedAt: now }],
      };
      await stageRaceSeams.beforeEntryWrite?.({ path: 'create', dealId: dealId.toString(), stageId: firstStage._id.toString() });
      const created = await insertWithEvents(DealModel, deal, (inserted) => dealCreated(inserted, firstStage, ctx, pipelineVersionOf(pipeline)));
      // Its stage may be being deleted meanwhile: checked after the insert (deal.entry.ts).
      return settleNewDeal(created, ctx);
    },

    updateDeal: async (_parent, { id, input }, ctx) => {
      requireId(id, 'id');
      const fields = parseInput(updateDealInput, input);
      const deal = await ctx.loaders.dealById.load(id);
      if (!deal) throw notFound('Deal', id);
      // Before anything answers about the deal: a change of nothing answers it whole.
      await requireCan(ctx, 'deal', 'update', deal);
      const before = updatable(deal);
      const given = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<ReturnType<typeof updatable>>;
      const items = given.lineItems ?? before.lineItems;
      const after = { ...before, ...given, amount: dealAmount(given.amount, items, before.amount) };
      const changes = fieldChanges(before, after);
      if (changes.length === 0) {
        // A repeat of an owner change that stopped before its concessions were moved moves them now.
        if (given.ownerId) await ownerOfConcessions(deal);
        return deal;
      }
      // The deal as read is the one written (the write is conditional on its version).
      authorizeChange(await ctx.access(), 'deal', deal, after);

      const entry = { changedBy: ctx.userId, changedAt: new Date(), changes };
      const changeLog = [...(deal.changeLog ?? []), entry].slice(-MAX_CHANGE_LOG);
      const set = { ...Object.fromEntries(changes.map(({ field }) => [field, after[field as keyof typeof after]])), changeLog };
      // Conditional on the version read (every evented write raises it): the recorded "from"
      // values are what was stored, and two editors at once cannot both win.
      const updated = await updateWithEvents(
        DealModel,
        { _id: deal._id, tenantId: ctx.tenantId, outboxVersion: deal.outboxVersion ?? null },
        { $set: set },
        dealUpdated({ ...deal, ...after } as DealDoc, changes, ctx),
      );
      if (!updated) throw conflict(`deal ${id} was changed by someone else meanwhile; reload and try again`);
      if (changes.some(({ field }) => field === 'ownerId')) await ownerOfConcessions(updated);
      return updated;
    },

    moveDealToStage: (_parent, { id, stageId, lostReason }, ctx) => moveDeal(id, stageId, lostReason, ctx),
    reopenDeal: (_parent, { id, stageId }, ctx) => reopenDeal(id, stageId, ctx),
    completeKeyStep: (_parent, { dealId, stepId }, ctx) => completeKeyStep(dealId, stepId, ctx),
    recordStageResult: (_parent, { dealId, text }, ctx) => recordStageResult(dealId, text, ctx),

    setLostReasons: async (_parent, { reasons }, ctx) => {
      if (!hasRole(ctx.identity, 'admin', 'head_of_sales')) throw forbidden('only admins and heads of sales may set the reasons for losing deals');
      const list = parseInput(lostReasonsInput, { reasons }).reasons;
      // The tenant's document first (the defaults, no event), then the change with its event in one write.
      const filter = { _id: ctx.tenantId, tenantId: ctx.tenantId };
      await LostReasonsModel.updateOne(filter, { $setOnInsert: { reasons: DEFAULT_LOST_REASONS, updatedBy: ctx.userId, updatedAt: new Date() } }, { upsert: true });
      await updateWithEvents(
        LostReasonsModel,
        filter,
        { $set: { reasons: list, updatedBy: ctx.userId, updatedAt: new Date() } },
        createEvent(LostReasonsChanged, eventMeta(ctx, ctx.tenantId), { reasons: list }),
      );
      return list;
    },
  },
  Deal: {
    __resolveReference: async (reference, ctx) => readable(ctx, 'deal', await ctx.loaders.dealById.load(reference.id)),
    id: (deal) => deal._id.toString(),
    amount: guardField('Deal', 'amount', (deal: DealDoc) => deal.amount),
    company: (deal) => ({ id: deal.companyId }),
    contacts: (deal) => (deal.contacts ?? []).map(({ contactId, role }) => ({ contact: { id: contactId }, role })),
    // Prices and totals make the amount: the same field right guards them.
    lineItems: guardField('Deal', 'amount', (deal: DealDoc) => (deal.lineItems ?? []).map((item) => ({ ...item, total: lineTotal(item) }))),
    teamId: (deal) => deal.teamId ?? null,
    territoryId: (deal) => deal.territoryId ?? null,
    expectedCloseDate: (deal) => deal.expectedCloseDate ?? null,
    source: (deal) => (deal.source ?? null) as never,
    customFields: (deal) => deal.customFields ?? {},
    closedAt: (deal) => deal.closedAt ?? null,
    lostReason: (deal) => deal.lostReason ?? null,
    // Deals stored before stageEnteredAt existed entered their stage with their last move.
    stageEnteredAt: (deal) => deal.stageEnteredAt ?? deal.stageHistory.at(-1)?.movedAt ?? deal.createdAt,
    pipeline: (deal, _args, ctx) => pipelineOf(deal, ctx, 'show'),
    stage: async (deal, _args, ctx) => requireStage(await pipelineOf(deal, ctx, 'show'), deal.stageId),
    stageHistory: async (deal, { first }, ctx) => {
      const size = listSize(first, STAGE_HISTORY);
      const pipeline = await pipelineOf(deal, ctx, 'show');
      return deal.stageHistory.slice(0, size).map((change) => ({ ...change, pipeline }));
    },
    lastMoveWarnings: (deal) => deal.stageHistory.at(-1)?.skipped ?? [],
    completedKeySteps: (deal) =>
      Object.entries(deal.keyStepsDone ?? {}).map(([stepId, done]) => ({ stepId, stageId: done.stageId, completedBy: done.by, completedAt: done.at })),
    stageResults: (deal) =>
      Object.entries(deal.stageResults ?? {}).map(([stageId, result]) => ({ stageId, text: result.text, recordedBy: result.by, recordedAt: result.at })),
    changeLog: (deal, { first }) =>
      [...(deal.changeLog ?? [])].reverse().slice(0, listSize(first, CHANGE_LOG)),
  },
  DealFieldChange: {
    from: changedValue((change) => change.from),
    to: changedValue((change) => change.to),
  },
  StageChange: {
    from: (change) => (change.fromStageId ? requireStage(change.pipeline, change.fromStageId) : null),
    to: (change) => requireStage(change.pipeline, change.toStageId),
    durationSeconds: (change) => change.durationSeconds ?? null,
    skipped: (change) => change.skipped ?? [],
    reopened: (change) => change.reopened ?? false,
    lostReason: (change) => change.lostReason ?? null,
  },
};
