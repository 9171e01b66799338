import type { Resolvers } from '../../generated/graphql';
import { CompanyModel } from '../company/company.model';
import { compileFilter } from '../list-filter/compile-filter';
import { listPage } from '../list-filter/list-page';
import { ListOrder } from '../list-filter/order';
import { companyFields, companyOrderFields } from './company-fields';

export const companyListResolvers: Resolvers = {
  Query: {
    companies: (_parent, { filter, orderBy, first, after }, ctx) =>
      listPage(CompanyModel, {
        tenantId: ctx.tenantId,
        filter: compileFilter(filter, companyFields),
        order: ListOrder.of(orderBy, companyOrderFields),
        first,
        after,
      }),
  },
};
