import type { Resolvers } from '../../generated/graphql';
import { DealModel, type DealDoc } from '../deal/deal.model';

/** A Company as this subgraph sees it: only its key; contacts owns the rest. */
export interface CompanyRef {
  id: string;
}

export const companyResolvers: Resolvers = {
  Company: {
    __resolveReference: (reference) => ({ id: reference.id }),
    deals: (company, _args, ctx) => ctx.loaders.dealsByCompany.load(company.id),
  },
};

export const loadDealsByCompany = async (tenantId: string, companyIds: readonly string[]) => {
  const rows = await DealModel.find({ tenantId, companyId: { $in: [...new Set(companyIds)] } })
    .sort({ _id: -1 })
    .lean<DealDoc[]>();
  return companyIds.map((id) => rows.filter((row) => row.companyId === id));
};
