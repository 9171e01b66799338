import { requireCan, rowFilter } from '@crm/policy';
import { hasRole } from '@crm/auth';
import { insertWithEvents, updateWithEvents } from '@crm/messaging';
import { conflict, decodeCursor, failedPrecondition, forbidden, listSize, notFound, parseInput, requireId, toConnection, type ListBound } from '@crm/service-kit';
import { Types } from 'mongoose';
import type { DealsContext } from '../../context';
import type { Resolvers } from '../../generated/graphql';
import { resolveMerged } from '../company/known-companies';
import { DealModel, type DealDoc } from '../deal/deal.model';
import { concessionDecided, concessionRequested } from './concession.events';
import { approvalBlockers, blockersMessage, missingOf } from './concession.gate';
import { concessionInput, decisionInput } from './concession.input';
import { ConcessionModel, type ConcessionDoc } from './concession.model';

/** Deal.concessions and Query.concessionRequests: as in concession.graphql. */
export const DEAL_CONCESSIONS: ListBound = { default: 20, max: 100 };
export const CONCESSION_PAGE: ListBound = { default: 20, max: 100 };

function requireApprover(ctx: DealsContext, what: string): void {
  if (!hasRole(ctx.identity, 'head_of_sales', 'admin')) throw forbidden(`only heads of sales and admins may ${what}`);
}

/** The company a decision is about: the deal's current one (a merge may have repointed it), as deals knows it. */
async function companyOf(deal: DealDoc, ctx: DealsContext) {
  const company = await ctx.loaders.knownCompanyById.load(deal.companyId);
  return company && resolveMerged(ctx.tenantId, company);
}

export const loadConcessionsByDeal = (tenantId: string, dealId: string, limit: number) =>
  ConcessionModel.find({ tenantId, dealId: new Types.ObjectId(dealId) }).sort({ _id: -1 }).limit(limit).lean<ConcessionDoc[]>().exec();

export const concessionResolvers: Resolvers = {
  Query: {
    concessionRequests: async (_parent, { status, first, after }, ctx) => {
      requireApprover(ctx, 'see the concession requests');
      const size = listSize(first, CONCESSION_PAGE);
      // Requests on the deals the approver may read, filtered in the store by the deal's owner.
      const scope = rowFilter(await ctx.access(), 'deal', 'read', 'dealOwnerId');
      if (!scope) throw forbidden('you may not read deals, nor their concession requests');
      const filter = { tenantId: ctx.tenantId, ...(status && { status }), ...scope };
      const page = after ? { ...filter, _id: { $lt: new Types.ObjectId(requireId(decodeCursor(after), 'after')) } } : filter;
      const rows = await ConcessionModel.find(page).sort({ _id: -1 }).limit(size + 1).lean<ConcessionDoc[]>();
      return toConnection(rows, size, () => ConcessionModel.countDocuments(filter).exec(), Boolean(after));
    },
  },
  Mutation: {
    requestConcession: async (_parent, { dealId, input }, ctx) => {
      requireId(dealId, 'dealId');
      const fields = parseInput(concessionInput, input);
      const deal = await ctx.loaders.dealById.load(dealId);
      if (!deal) throw notFound('Deal', dealId);
      // Asking for a concession on a deal is working on it: the deal's update right.
      await requireCan(ctx, 'deal', 'update', deal);
      if (deal.status !== 'OPEN') throw conflict(`deal ${dealId} is ${deal.status.toLowerCase()}; concessions are asked for open deals`);
      const request = {
        tenantId: ctx.tenantId,
        dealId: deal._id,
        companyId: deal.companyId,
        dealOwnerId: deal.ownerId,
        ...fields,
        requestedBy: ctx.userId,
        status: 'PENDING',
        decidedBy: null,
        decisionRationale: null,
        decidedAt: null,
      };
      const created = await insertWithEvents(ConcessionModel, request, (created) => concessionRequested(created, ctx));
      // An owner change that ran meanwhile moved the deal's requests before this one existed: follow it
      // (it writes the deal, then moves the requests; this writes the request, then reads the deal).
      const now = await DealModel.findOne({ _id: deal._id, tenantId: ctx.tenantId }, { ownerId: 1 }).lean<Pick<DealDoc, 'ownerId'>>();
      if (!now || now.ownerId === created.dealOwnerId) return created;
      await ConcessionModel.updateOne({ _id: created._id, tenantId: ctx.tenantId, dealOwnerId: created.dealOwnerId }, { $set: { dealOwnerId: now.ownerId } });
      return { ...created, dealOwnerId: now.ownerId };
    },

    decideConcession: async (_parent, { id, approve, rationale }, ctx) => {
      requireApprover(ctx, 'decide on concessions');
      requireId(id, 'id');
      const { rationale: reason } = parseInput(decisionInput, { rationale });
      const request = await ConcessionModel.findOne({ _id: id, tenantId: ctx.tenantId }).lean<ConcessionDoc>();
      if (!request) throw notFound('ConcessionRequest', id);
      // Four eyes: whoever asked for a concession does not decide on it, either way.
      if (request.requestedBy === ctx.userId) throw forbidden('you may not decide on your own concession request');
      // Deciding is working on the deal: an approver decides on the deals in their update scope. A
      // deal no longer there has no scope to check: no one decides.
      const deal = await ctx.loaders.dealById.load(request.dealId.toString());
      if (!deal) throw conflict(`the deal of concession request ${id} no longer exists`);
      await requireCan(ctx, 'deal', 'update', deal);
      const decided = () => conflict(`concession request ${id} was already ${request.status.toLowerCase()}`);
      if (request.status !== 'PENDING') throw decided();
      if (deal.status !== 'OPEN') throw conflict(`deal ${deal._id} is ${deal.status.toLowerCase()}; concessions are decided on open deals`);
      if (approve) {
        const blockers = approvalBlockers(await companyOf(deal, ctx));
        const missing = missingOf(blockers);
        if (missing.length > 0) throw failedPrecondition(blockersMessage(blockers), missing, { ...blockers });
      }
      const decision = { status: approve ? ('APPROVED' as const) : ('REJECTED' as const), decidedBy: ctx.userId, decisionRationale: reason, decidedAt: new Date() };
      // Conditional on PENDING: of two approvers deciding at once, one wins, the other gets CONFLICT.
      const stored = await updateWithEvents(
        ConcessionModel,
        { _id: request._id, tenantId: ctx.tenantId, status: 'PENDING' },
        { $set: decision },
        concessionDecided({ ...request, ...decision }, ctx),
      );
      if (!stored) throw conflict(`concession request ${id} was decided by someone else meanwhile`);
      return stored;
    },
  },
  ConcessionRequestConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
  ConcessionRequest: {
    id: (request) => request._id.toString(),
    deal: async (request, _args, ctx) => {
      const deal = await ctx.loaders.dealById.load(request.dealId.toString());
      if (!deal) throw new Error(`concession request ${request._id} refers to a missing deal`);
      return deal;
    },
  },
  Deal: {
    concessions: (deal, { first }, ctx) => ctx.loaders.concessionsByDeal.load({ id: deal._id.toString(), first: listSize(first, DEAL_CONCESSIONS) }),
  },
};
