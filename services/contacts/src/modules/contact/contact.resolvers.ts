import { listSize, type ListBound } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import { customFieldList } from '../shared/custom-field-values';
import { sortEmployments } from './contact.fields';
import { createContact, updateContact } from './contact.write';

/** Contact.directReports: as in contact.graphql. */
export const DIRECT_REPORTS: ListBound = { default: 20, max: 200 };

export const contactResolvers: Resolvers = {
  Query: {
    contact: (_parent, { id }, ctx) => ctx.loaders.contactById.load(id),
  },
  Mutation: {
    createContact: (_parent, { input }, ctx) => createContact(ctx, input),
    updateContact: (_parent, { id, input }, ctx) => updateContact(ctx, id, input),
  },
  Contact: {
    __resolveReference: (reference, ctx) => ctx.loaders.contactById.load(reference.id),
    id: (contact) => contact._id.toString(),
    fullName: (contact) => `${contact.firstName} ${contact.lastName}`,
    company: (contact, _args, ctx) => (contact.companyId ? ctx.loaders.companyById.load(contact.companyId.toString()) : null),
    customFields: (contact) => customFieldList(contact.customFields),
    emails: (contact) => contact.emails ?? [],
    phones: (contact) => contact.phones ?? [],
    addresses: (contact) => contact.addresses ?? [],
    messengers: (contact) => contact.messengers ?? [],
    tags: (contact) => contact.tags ?? [],
    employments: (contact) => sortEmployments(contact.employments ?? []),
    reportsTo: (contact, _args, ctx) => (contact.reportsTo ? ctx.loaders.contactById.load(contact.reportsTo.toString()) : null),
    directReports: (contact, { first }, ctx) => ctx.loaders.directReports.load({ id: contact._id.toString(), first: listSize(first, DIRECT_REPORTS) }),
  },
  Employment: {
    company: (employment, _args, ctx) => ctx.loaders.companyById.load(employment.companyId.toString()),
  },
};
