import { ContactCreated, createEvent } from '@crm/events';
import type { ContactsContext } from '../../context';
import type { ContactDoc } from './contact.model';

export const contactCreated = (contact: ContactDoc, ctx: ContactsContext) =>
  createEvent(
    ContactCreated,
    { tenantId: ctx.tenantId, aggregateId: contact._id.toString(), correlationId: ctx.correlationId, actorId: ctx.userId },
    {
      contactId: contact._id.toString(),
      companyId: contact.companyId?.toString() ?? null,
      firstName: contact.firstName,
      lastName: contact.lastName,
      email: contact.email ?? null,
      phone: contact.phone ?? null,
      position: contact.position ?? null,
    },
  );
