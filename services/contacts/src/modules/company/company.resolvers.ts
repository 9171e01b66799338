import { guardField, readable, requireReadable } from '@crm/policy';
import type { CompanyDoc } from './company.model';
import { listSize, type ListBound } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import { customFieldList } from '../shared/custom-field-values';
import { createCompany, updateCompany } from './company.write';

/** Company.contacts: as in company.graphql. */
export const COMPANY_CONTACTS: ListBound = { default: 20, max: 200 };

export const companyResolvers: Resolvers = {
  Query: {
    company: async (_parent, { id }, ctx) => requireReadable(ctx, 'company', await ctx.loaders.companyById.load(id)),
  },
  Mutation: {
    createCompany: async (_parent, { input }, ctx) => createCompany(ctx, input, undefined, undefined, await ctx.access()),
    updateCompany: async (_parent, { id, input }, ctx) => updateCompany(ctx, id, input, undefined, await ctx.access()),
  },
  BusinessProfile: {
    // Field rights: null with a FORBIDDEN error on the path for a role denied Company.profile.solvency.
    solvency: guardField('Company', 'profile.solvency', (profile: { solvency?: unknown }) => profile.solvency ?? null),
  },
  CompanyConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
  Company: {
    __resolveReference: async (reference, ctx) => readable(ctx, 'company', await ctx.loaders.companyById.load(reference.id)),
    id: (company) => company._id.toString(),
    customFields: (company) => customFieldList(company.customFields),
    tags: (company) => company.tags ?? [],
    phones: (company) => company.phones ?? [],
    emails: (company) => company.emails ?? [],
    addresses: (company) => company.addresses ?? [],
    messengers: (company) => company.messengers ?? [],
    riskFlags: (company) => company.riskFlags ?? [],
    profile: (company) => ({ ...company.profile, mainCustomers: company.profile?.mainCustomers ?? [], shareholders: company.profile?.shareholders ?? [], competitors: company.profile?.competitors ?? [], litigation: company.profile?.litigation ?? [] }),
    potential: guardField('Company', 'potential', (company: CompanyDoc) => company.potential ?? null),
    completeness: (company) => company.completeness ?? { percent: 100, missing: [] },
    contacts: (company, { first }, ctx) => ctx.loaders.contactsByCompany.load({ id: company._id.toString(), first: listSize(first, COMPANY_CONTACTS) }),
  },
};
