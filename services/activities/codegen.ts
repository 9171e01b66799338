import { subgraphCodegen } from '@crm/build-config';

export default subgraphCodegen({
  context: '../context#ActivitiesContext',
  mappers: {
    Activity: '../modules/activity/activity.model#ActivityDoc',
    Deal: '../modules/activity/activity.model#DealRef',
    Company: '../modules/activity/activity.model#ClientRef',
    Contact: '../modules/activity/activity.model#ClientRef',
    ActivityConnection: '../modules/activity/activity.list#ActivityPage',
    LastTouch: '../modules/last-touch/last-touch.model#LastTouchDoc',
    Agenda: '../modules/calendar/calendar.resolvers#AgendaShape',
    User: '../modules/directory/directory.resolvers#UserRef',
  },
});
