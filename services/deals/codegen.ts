import { subgraphCodegen } from '@crm/build-config';

export default subgraphCodegen({
  context: '../context#DealsContext',
  mappers: {
    Pipeline: '../modules/pipeline/pipeline.model#PipelineDoc',
    Stage: '../modules/pipeline/pipeline.model#StageDoc',
    KeyStep: '../modules/pipeline/pipeline.model#KeyStepDoc',
    PipelineTemplate: '../modules/pipeline/pipeline.templates#PipelineTemplateSpec',
    TemplateStage: '../modules/pipeline/pipeline.input#StageSpec',
    Deal: '../modules/deal/deal.model#DealDoc',
    StageChange: '../modules/deal/deal.model#StageChangeView',
    DealFieldChange: '../modules/deal/deal.model#FieldChangeDoc',
    DealConnection: '@crm/service-kit#Connection<DealDoc>',
    Company: '../modules/company/company.resolvers#CompanyRef',
    ConcessionRequest: '../modules/concession/concession.model#ConcessionDoc',
    ConcessionRequestConnection: '../modules/concession/concession.model#ConcessionConnectionView',
    Purchase: '../modules/purchase/purchase.view#OrderedPurchase',
    Team: '../modules/team/team.resolvers#TeamRef',
  },
});
