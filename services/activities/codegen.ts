import { subgraphCodegen } from '@crm/build-config';

export default subgraphCodegen({
  context: '../context#ActivitiesContext',
  mappers: {
    Activity: '../modules/activity/activity.model#ActivityDoc',
    Deal: '../modules/activity/activity.model#DealRef',
  },
});
