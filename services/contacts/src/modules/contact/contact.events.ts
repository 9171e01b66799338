import { ContactCreated, ContactUpdated, createEvent, eventMeta, type EventCause } from '@crm/events';
import type { ChangeContext } from '../company/company.events';
import type { FieldChange } from '../shared/changes';
import type { ContactDoc } from './contact.model';

export const contactCreated = (contact: ContactDoc, cause: EventCause) =>
  createEvent(ContactCreated, eventMeta(cause, contact._id.toString()), {
    contactId: contact._id.toString(),
    companyId: contact.companyId?.toString() ?? null,
    firstName: contact.firstName,
    lastName: contact.lastName,
    email: contact.email ?? null,
    phone: contact.phone ?? null,
    position: contact.position ?? null,
  });

/** Every changed field of one update, with the person's current company. */
export function contactUpdated(contact: ContactDoc, changes: FieldChange[], cause: EventCause, context: ChangeContext = {}) {
  const meta = eventMeta(cause, contact._id.toString());
  return createEvent(ContactUpdated, context.actorId ? { ...meta, actorId: context.actorId } : meta, {
    contactId: contact._id.toString(),
    companyId: contact.companyId?.toString() ?? null,
    changes,
    ...(context.reason && { reason: context.reason }),
  });
}
