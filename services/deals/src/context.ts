import { createByIdLoader, createListLoader, type BaseContext } from '@crm/service-kit';
import { companyLoaders } from './modules/company/company.loaders';
import { loadDealsByCompany } from './modules/company/company.resolvers';
import { loadConcessionsByDeal } from './modules/concession/concession.resolvers';
import { DealModel, type DealDoc } from './modules/deal/deal.model';
import { PipelineModel, type PipelineDoc } from './modules/pipeline/pipeline.model';

export interface DealsContext extends BaseContext {
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(tenantId: string) {
  return {
    pipelineById: createByIdLoader<PipelineDoc>(PipelineModel, tenantId),
    dealById: createByIdLoader<DealDoc>(DealModel, tenantId),
    ...companyLoaders(tenantId),
    dealsByCompany: createListLoader((companyId, limit) => loadDealsByCompany(tenantId, companyId, limit)),
    concessionsByDeal: createListLoader((dealId, limit) => loadConcessionsByDeal(tenantId, dealId, limit)),
  };
}

export const createContext = (base: BaseContext): DealsContext => ({ ...base, loaders: createLoaders(base.tenantId) });
