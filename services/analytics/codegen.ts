import { subgraphCodegen } from '@crm/build-config';

export default subgraphCodegen({
  context: '../context#AnalyticsContext',
  mappers: {
    Funnel: '../modules/funnel/funnel.model#FunnelView',
  },
});
