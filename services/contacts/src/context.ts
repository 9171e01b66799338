import { accessOnce, rowFilter, type HasAccess } from '@crm/policy';
import { createByIdLoader, createListLoader, type BaseContext } from '@crm/service-kit';
import { CompanyModel, type CompanyDoc } from './modules/company/company.model';
import { ContactModel, type ContactDoc } from './modules/contact/contact.model';

export interface ContactsContext extends BaseContext, HasAccess {
  loaders: ReturnType<typeof createLoaders>;
}

/** Nested lists of contact persons carry the reader's row scope in their store query (none at all without a read right). */
function createLoaders(tenantId: string, access: HasAccess['access']) {
  const readable = async () => rowFilter(await access(), 'contact', 'read') ?? { _id: { $in: [] } };
  return {
    companyById: createByIdLoader<CompanyDoc>(CompanyModel, tenantId),
    contactById: createByIdLoader<ContactDoc>(ContactModel, tenantId),
    contactsByCompany: createListLoader(async (companyId, limit) =>
      ContactModel.find({ tenantId, companyId, ...(await readable()) }).sort({ lastName: 1, firstName: 1 }).limit(limit).lean<ContactDoc[]>().exec(),
    ),
    directReports: createListLoader(async (contactId, limit) =>
      ContactModel.find({ tenantId, reportsTo: contactId, ...(await readable()) }).sort({ nameKey: 1 }).limit(limit).lean<ContactDoc[]>().exec(),
    ),
  };
}

export const createContext = (base: BaseContext): ContactsContext => {
  const access = accessOnce(base.identity);
  return { ...base, access, loaders: createLoaders(base.tenantId, access) };
};
