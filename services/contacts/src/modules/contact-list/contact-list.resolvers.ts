import { requireRowFilter } from '@crm/policy';
import type { Resolvers } from '../../generated/graphql';
import { ContactModel } from '../contact/contact.model';
import { compileFilter } from '../list-filter/compile-filter';
import { listPage } from '../list-filter/list-page';
import { ListOrder } from '../list-filter/order';
import { allOf } from '../list-filter/store-filter';
import { contactFields, contactOrderFields } from './contact-fields';

export const contactListResolvers: Resolvers = {
  Query: {
    contacts: async (_parent, { filter, orderBy, first, after }, ctx) =>
      listPage(ContactModel, {
        tenantId: ctx.tenantId,
        // The reader's row scope is part of the store query (and of totalCount).
        filter: allOf([compileFilter(filter, contactFields), await requireRowFilter(ctx, 'contact')]),
        order: ListOrder.of(orderBy, contactOrderFields),
        first,
        after,
      }),
  },
  ContactConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
};
