import { createByIdLoader, type BaseContext } from '@crm/service-kit';
import DataLoader from 'dataloader';
import { CompanyModel, type CompanyDoc } from './modules/company/company.model';
import { ContactModel, type ContactDoc } from './modules/contact/contact.model';

export interface ContactsContext extends BaseContext {
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(tenantId: string) {
  return {
    companyById: createByIdLoader<CompanyDoc>(CompanyModel, tenantId),
    contactById: createByIdLoader<ContactDoc>(ContactModel, tenantId),
    contactsByCompany: new DataLoader<string, ContactDoc[]>(async (companyIds) => {
      const rows = await ContactModel.find({ tenantId, companyId: { $in: [...new Set(companyIds)] } })
        .sort({ lastName: 1, firstName: 1 })
        .lean<ContactDoc[]>();
      return companyIds.map((id) => rows.filter((row) => row.companyId?.toString() === id));
    }),
  };
}

export const createContext = (base: BaseContext): ContactsContext => ({ ...base, loaders: createLoaders(base.tenantId) });
