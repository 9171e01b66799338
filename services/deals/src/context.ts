import { requestAccess, rowFilter, type HasAccess } from '@crm/policy';
import { createByIdLoader, createListLoader, type BaseContext } from '@crm/service-kit';
import { companyLoaders } from './modules/company/company.loaders';
import { loadDealsByCompany } from './modules/company/company.resolvers';
import { loadConcessionsByDeal } from './modules/concession/concession.resolvers';
import { DealModel, type DealDoc } from './modules/deal/deal.model';
import { PipelineModel, shownPipelines, type PipelineDoc } from './modules/pipeline/pipeline.model';

export interface DealsContext extends BaseContext, HasAccess {
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(tenantId: string, access: HasAccess['access']) {
  return {
    /** Fresh: what a write is checked against. */
    pipelineById: createByIdLoader<PipelineDoc>(PipelineModel, tenantId),
    /** For showing a pipeline or a deal's stage: kept briefly (shownPipelines). */
    pipelineToShow: createByIdLoader<PipelineDoc>(PipelineModel, tenantId, shownPipelines),
    dealById: createByIdLoader<DealDoc>(DealModel, tenantId),
    ...companyLoaders(tenantId),
    // A company's deals as far as the reader may see them (the row scope is part of the store query).
    dealsByCompany: createListLoader(async (companyId, limit) => loadDealsByCompany(tenantId, companyId, limit, rowFilter(await access(), 'deal', 'read') ?? { _id: { $in: [] } })),
    concessionsByDeal: createListLoader((dealId, limit) => loadConcessionsByDeal(tenantId, dealId, limit)),
  };
}

/** The caller's access is loaded first (requestAccess: a deactivated user is refused every request). */
export const createContext = async (base: BaseContext): Promise<DealsContext> => {
  const access = await requestAccess(base.identity);
  return { ...base, access, loaders: createLoaders(base.tenantId, access) };
};
