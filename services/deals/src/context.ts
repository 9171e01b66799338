import { createByIdLoader, type BaseContext } from '@crm/service-kit';
import DataLoader from 'dataloader';
import { loadDealsByCompany } from './modules/company/company.resolvers';
import { KnownCompanyModel, type KnownCompanyDoc } from './modules/company/known-company.model';
import { DealModel, type DealDoc } from './modules/deal/deal.model';
import { PipelineModel, type PipelineDoc } from './modules/pipeline/pipeline.model';

export interface DealsContext extends BaseContext {
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(tenantId: string) {
  return {
    pipelineById: createByIdLoader<PipelineDoc>(PipelineModel, tenantId),
    dealById: createByIdLoader<DealDoc>(DealModel, tenantId),
    knownCompanyById: new DataLoader<string, KnownCompanyDoc | null>(async (ids) => {
      const rows = await KnownCompanyModel.find({ tenantId, _id: { $in: [...new Set(ids)] } }).lean<KnownCompanyDoc[]>();
      return ids.map((id) => rows.find((row) => row._id === id) ?? null);
    }),
    dealsByCompany: new DataLoader<string, DealDoc[]>((companyIds) => loadDealsByCompany(tenantId, companyIds)),
  };
}

export const createContext = (base: BaseContext): DealsContext => ({ ...base, loaders: createLoaders(base.tenantId) });
