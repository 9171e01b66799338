import { readable, requireReadable } from '@crm/policy';
import { listSize, type ListBound } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import { customFieldList } from '../shared/custom-field-values';
import { sortEmployments } from './contact.fields';
import { createContact, updateContact } from './contact.write';

/** Contact.directReports: as in contact.graphql. */
export const DIRECT_REPORTS: ListBound = { default: 20, max: 200 };

export const contactResolvers: Resolvers = {
  Query: {
    contact: async (_parent, { id }, ctx) => requireReadable(ctx, 'contact', await ctx.loaders.contactById.load(id)),
  },
  Mutation: {
    createContact: async (_parent, { input }, ctx) => createContact(ctx, input, undefined, undefined, await ctx.access()),
    updateContact: async (_parent, { id, input }, ctx) => updateContact(ctx, id, input, undefined, await ctx.access()),
  },
  Contact: {
    __resolveReference: async (reference, ctx) => readable(ctx, 'contact', await ctx.loaders.contactById.load(reference.id)),
    id: (contact) => contact._id.toString(),
    fullName: (contact) => `${contact.firstName} ${contact.lastName}`,
    company: async (contact, _args, ctx) => (contact.companyId ? readable(ctx, 'company', await ctx.loaders.companyById.load(contact.companyId.toString())) : null),
    customFields: (contact) => customFieldList(contact.customFields),
    emails: (contact) => contact.emails ?? [],
    phones: (contact) => contact.phones ?? [],
    addresses: (contact) => contact.addresses ?? [],
    messengers: (contact) => contact.messengers ?? [],
    tags: (contact) => contact.tags ?? [],
    employments: (contact) => sortEmployments(contact.employments ?? []),
    reportsTo: async (contact, _args, ctx) => (contact.reportsTo ? readable(ctx, 'contact', await ctx.loaders.contactById.load(contact.reportsTo.toString())) : null),
    directReports: (contact, { first }, ctx) => ctx.loaders.directReports.load({ id: contact._id.toString(), first: listSize(first, DIRECT_REPORTS) }),
  },
  Employment: {
    company: async (employment, _args, ctx) => readable(ctx, 'company', await ctx.loaders.companyById.load(employment.companyId.toString())),
  },
};
