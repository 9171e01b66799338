import { subgraphCodegen } from '@crm/build-config';

export default subgraphCodegen({
  context: '../context#DealsContext',
  mappers: {
    Pipeline: '../modules/pipeline/pipeline.model#PipelineDoc',
    Stage: '../modules/pipeline/pipeline.model#StageDoc',
    Deal: '../modules/deal/deal.model#DealDoc',
    StageChange: '../modules/deal/deal.model#StageChangeView',
    Company: '../modules/company/company.resolvers#CompanyRef',
  },
});
