import { CompanyUpdated, ContactUpdated, createEvent, eventMeta } from '@crm/events';
import { insertWithEvents, updateWithEvents } from '@crm/messaging';
import { companyCreated } from '../src/modules/company/company.events';
import { CompanyModel, type CompanyDoc } from '../src/modules/company/company.model';
import { contactCreated } from '../src/modules/contact/contact.events';
import { ContactModel, type ContactDoc } from '../src/modules/contact/contact.model';
import { nameKey } from '../src/modules/shared/name-key';

/**
 * Records written the way the service writes them (the record and its Created event in one
 * insert, an update with its Updated event), with every field: the create and update mutations
 * that take every field belong to the core module.
 */
export async function seedCompany(tenantId: string, fields: Partial<CompanyDoc> & { name: string }): Promise<CompanyDoc> {
  return insertWithEvents(CompanyModel, { ...fields, nameKey: nameKey(fields.name), tenantId }, (company) => companyCreated(company, { tenantId, userId: 'seed' }));
}

export async function seedContact(tenantId: string, fields: Partial<ContactDoc> & { firstName: string; lastName: string }): Promise<ContactDoc> {
  const primaryEmail = fields.emails?.find((email) => email.primary)?.address ?? fields.emails?.[0]?.address;
  const primaryPhone = fields.phones?.find((phone) => phone.primary)?.number ?? fields.phones?.[0]?.number;
  return insertWithEvents(
    ContactModel,
    { email: primaryEmail, phone: primaryPhone, ...fields, nameKey: nameKey(fields.firstName, fields.lastName), tenantId },
    (contact) => contactCreated(contact, { tenantId, userId: 'seed' }),
  );
}

export async function editCompany(company: CompanyDoc, set: Partial<CompanyDoc>): Promise<CompanyDoc> {
  const changes = Object.entries(set).map(([field, to]) => ({ field, from: (company as any)[field] ?? null, to }));
  const event = createEvent(CompanyUpdated, eventMeta({ tenantId: company.tenantId, userId: 'editor' }, company._id.toString()), { companyId: company._id.toString(), name: company.name, changes: JSON.parse(JSON.stringify(changes)) });
  return (await updateWithEvents(CompanyModel, { _id: company._id, tenantId: company.tenantId }, { $set: set }, event))!;
}

export async function editContact(contact: ContactDoc, set: Partial<ContactDoc>): Promise<ContactDoc> {
  const changes = Object.entries(set).map(([field, to]) => ({ field, from: (contact as any)[field] ?? null, to }));
  const event = createEvent(ContactUpdated, eventMeta({ tenantId: contact.tenantId, userId: 'editor' }, contact._id.toString()), { contactId: contact._id.toString(), companyId: contact.companyId?.toString() ?? null, changes: JSON.parse(JSON.stringify(changes)) });
  return (await updateWithEvents(ContactModel, { _id: contact._id, tenantId: contact.tenantId }, { $set: set }, event))!;
}

export const phone = (number: string, primary = false) => ({ type: 'WORK' as const, number, primary });
export const email = (address: string, primary = false) => ({ type: 'WORK' as const, address, primary });
