import { listSize } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import type { CompanyDoc } from '../company/company.model';
import type { ContactDoc } from '../contact/contact.model';
import { DUPLICATES, findDuplicates } from './find-duplicates';

export const duplicateResolvers: Resolvers = {
  Query: {
    companyDuplicates: async (_parent, { id, first }, ctx) =>
      (await findDuplicates<CompanyDoc>(ctx.tenantId, 'Company', id, listSize(first, DUPLICATES), await ctx.access())).map(({ record, reasons }) => ({ company: record, reasons })),
    contactDuplicates: async (_parent, { id, first }, ctx) =>
      (await findDuplicates<ContactDoc>(ctx.tenantId, 'Contact', id, listSize(first, DUPLICATES), await ctx.access())).map(({ record, reasons }) => ({ contact: record, reasons })),
  },
};
