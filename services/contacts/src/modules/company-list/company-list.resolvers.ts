import { requireRowFilter } from '@crm/policy';
import type { Resolvers } from '../../generated/graphql';
import { CompanyModel } from '../company/company.model';
import { compileFilter } from '../list-filter/compile-filter';
import { listPage } from '../list-filter/list-page';
import { ListOrder } from '../list-filter/order';
import { allOf } from '../list-filter/store-filter';
import { companyFields, companyOrderFields } from './company-fields';

export const companyListResolvers: Resolvers = {
  Query: {
    companies: async (_parent, { filter, orderBy, first, after }, ctx) => {
      // The reader's field rights: no filter or sort on a field they may not read (Company.potential...).
      const reader = await ctx.access();
      return listPage(CompanyModel, {
        tenantId: ctx.tenantId,
        // The reader's row scope is part of the store query (and of totalCount).
        filter: allOf([compileFilter(filter, companyFields, 'filter', reader), await requireRowFilter(ctx, 'company')]),
        order: ListOrder.of(orderBy, companyOrderFields, reader),
        first,
        after,
      });
    },
  },
};
