import { createByIdLoader, createListLoader, type BaseContext } from '@crm/service-kit';
import { CompanyModel, type CompanyDoc } from './modules/company/company.model';
import { ContactModel, type ContactDoc } from './modules/contact/contact.model';

export interface ContactsContext extends BaseContext {
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(tenantId: string) {
  return {
    companyById: createByIdLoader<CompanyDoc>(CompanyModel, tenantId),
    contactById: createByIdLoader<ContactDoc>(ContactModel, tenantId),
    contactsByCompany: createListLoader((companyId, limit) =>
      ContactModel.find({ tenantId, companyId }).sort({ lastName: 1, firstName: 1 }).limit(limit).lean<ContactDoc[]>().exec(),
    ),
    directReports: createListLoader((contactId, limit) =>
      ContactModel.find({ tenantId, reportsTo: contactId }).sort({ nameKey: 1 }).limit(limit).lean<ContactDoc[]>().exec(),
    ),
  };
}

export const createContext = (base: BaseContext): ContactsContext => ({ ...base, loaders: createLoaders(base.tenantId) });
