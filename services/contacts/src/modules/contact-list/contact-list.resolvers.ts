import type { Resolvers } from '../../generated/graphql';
import { ContactModel } from '../contact/contact.model';
import { compileFilter } from '../list-filter/compile-filter';
import { listPage } from '../list-filter/list-page';
import { ListOrder } from '../list-filter/order';
import { contactFields, contactOrderFields } from './contact-fields';

export const contactListResolvers: Resolvers = {
  Query: {
    contacts: (_parent, { filter, orderBy, first, after }, ctx) =>
      listPage(ContactModel, {
        tenantId: ctx.tenantId,
        filter: compileFilter(filter, contactFields),
        order: ListOrder.of(orderBy, contactOrderFields),
        first,
        after,
      }),
  },
  ContactConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
};
