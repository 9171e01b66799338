import { notFound, parseInput, requireId } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import { contactCreated } from './contact.events';
import { createContactInput } from './contact.input';
import { ContactModel } from './contact.model';

export const contactResolvers: Resolvers = {
  Query: {
    contact: (_parent, { id }, ctx) => ctx.loaders.contactById.load(id),
  },
  Mutation: {
    createContact: async (_parent, { input }, ctx) => {
      const fields = parseInput(createContactInput, input);
      if (fields.companyId) {
        requireId(fields.companyId, 'companyId');
        // Another tenant's company is simply not found: ids do not leak across tenants.
        if (!(await ctx.loaders.companyById.load(fields.companyId))) throw notFound('Company', fields.companyId);
      }
      const contact = new ContactModel({ ...fields, tenantId: ctx.tenantId });
      contact.outbox = [contactCreated(contact, ctx)];
      await contact.save();
      ctx.relay.kick();
      return contact.toObject();
    },
  },
  Contact: {
    __resolveReference: (reference, ctx) => ctx.loaders.contactById.load(reference.id),
    id: (contact) => contact._id.toString(),
    fullName: (contact) => `${contact.firstName} ${contact.lastName}`,
    company: (contact, _args, ctx) => (contact.companyId ? ctx.loaders.companyById.load(contact.companyId.toString()) : null),
  },
};
