import { policyConsumer } from '@crm/policy';
import { createLogger, startService, type RunningService, type ServiceSpec } from '@crm/service-kit';
import { loadConfig } from './config';
import { createContext, type ActivitiesContext } from './context';
import schemaSdl from './schema.graphql';
import activitySdl from './modules/activity/activity.graphql';
import { ActivityModel } from './modules/activity/activity.model';
import { activityResolvers } from './modules/activity/activity.resolvers';
import { dealStageTasksConsumer } from './modules/activity/deal-stage.consumer';
import { mergesConsumer } from './modules/merge/merges.consumer';
import { lastTouchConsumer } from './modules/last-touch/last-touch.consumer';
import { pipelinesConsumer } from './modules/automation/pipelines.consumer';
import { planWaitCleanupWorker } from './modules/automation/plan-waits';
import { ReminderModel } from './modules/reminder/reminder.model';
import { createReminderScheduler } from './modules/reminder/reminder.scheduler';
import timeNormSdl from './modules/time-norm/time-norm.graphql';
import calendarSdl from './modules/calendar/calendar.graphql';
import { calendarResolvers } from './modules/calendar/calendar.resolvers';
import directorySdl from './modules/directory/directory.graphql';
import { directoryResolvers } from './modules/directory/directory.resolvers';
import { TimeNormsModel } from './modules/time-norm/time-norm.model';
import { timeNormResolvers } from './modules/time-norm/time-norm.resolvers';

export type ActivitiesOverrides = Partial<Pick<ServiceSpec<ActivitiesContext>, 'relayOptions'>>;

/** Builds and starts the activities subgraph; main.ts adds signal handling, tests call it directly. */
export function startActivities(env: NodeJS.ProcessEnv = process.env, overrides: ActivitiesOverrides = {}): Promise<RunningService> {
  const config = loadConfig(env);
  const logger = createLogger('activities', config.LOG_LEVEL);
  return startService<ActivitiesContext>({
    name: 'activities',
    config,
    logger,
    typeDefs: [schemaSdl, activitySdl, timeNormSdl, calendarSdl, directorySdl],
    resolvers: [activityResolvers, timeNormResolvers, calendarResolvers, directoryResolvers],
    extendContext: createContext,
    outboxModels: [ActivityModel, ReminderModel, TimeNormsModel],
    consumers: [dealStageTasksConsumer, pipelinesConsumer, mergesConsumer, lastTouchConsumer, policyConsumer('activities')],
    workers: [
      createReminderScheduler({ logger, pollIntervalMs: config.REMINDER_POLL_MS, batch: config.REMINDER_BATCH }),
      planWaitCleanupWorker({ retentionDays: config.PLAN_WAIT_RETENTION_DAYS, intervalMs: config.PLAN_WAIT_CLEANUP_MS, batch: config.PLAN_WAIT_CLEANUP_BATCH }, logger),
    ],
    ...overrides,
  });
}
