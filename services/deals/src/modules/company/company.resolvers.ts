import { listSize, type ListBound } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import { DealModel, type DealDoc } from '../deal/deal.model';

/** A Company as this subgraph sees it: only its key; contacts owns the rest. */
export interface CompanyRef {
  id: string;
}

/** Company.deals: as in company.graphql. */
export const COMPANY_DEALS: ListBound = { default: 20, max: 200 };

export const companyResolvers: Resolvers = {
  Company: {
    __resolveReference: (reference) => ({ id: reference.id }),
    deals: (company, { first }, ctx) => ctx.loaders.dealsByCompany.load({ id: company.id, first: listSize(first, COMPANY_DEALS) }),
  },
  Deal: {
    companyVerified: async (deal, _args, ctx) => (await ctx.loaders.companyReferenceByDeal.load(deal._id.toString())) === 'VERIFIED',
    companyReference: (deal, _args, ctx) => ctx.loaders.companyReferenceByDeal.load(deal._id.toString()),
  },
};

/** A company's newest deals, up to the limit. */
export const loadDealsByCompany = (tenantId: string, companyId: string, limit: number, rowScope: Record<string, unknown> = {}) =>
  DealModel.find({ tenantId, companyId, ...rowScope }).sort({ _id: -1 }).limit(limit).lean<DealDoc[]>().exec();
