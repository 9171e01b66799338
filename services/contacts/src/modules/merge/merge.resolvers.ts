import type { Resolvers } from '../../generated/graphql';
import { companyMerge } from './company-merge';
import { contactMerge } from './contact-merge';
import { runMerge } from './run-merge';

export const mergeResolvers: Resolvers = {
  Mutation: {
    mergeCompanies: (_parent, request, ctx) => runMerge(companyMerge, ctx, request),
    mergeContacts: (_parent, request, ctx) => runMerge(contactMerge, ctx, request),
  },
  Company: {
    mergedIds: (company) => company.mergedIds ?? [],
  },
  Contact: {
    mergedIds: (contact) => contact.mergedIds ?? [],
  },
};
