import { subgraphCodegen } from '@crm/build-config';

export default subgraphCodegen({
  context: '../context#AnalyticsContext',
  mappers: {
    Funnel: '../modules/funnel/funnel.model#FunnelView',
    AbcAnalysis: '../modules/abc/abc.analysis#AbcResult',
    AbcRow: '../modules/abc/abc.resolvers#AbcRowView',
    ManagerActivity: '../modules/manager-activity/manager-activity#ManagerActivityView',
    Campaign: '../modules/campaign/campaign.model#CampaignDoc',
  },
});
