import { createLogger, startService, type RunningService, type ServiceSpec } from '@crm/service-kit';
import { loadConfig } from './config';
import { createContext, type ActivitiesContext } from './context';
import schemaSdl from './schema.graphql';
import activitySdl from './modules/activity/activity.graphql';
import { ActivityModel } from './modules/activity/activity.model';
import { activityResolvers } from './modules/activity/activity.resolvers';
import { dealStageTasksConsumer } from './modules/activity/deal-stage.consumer';

export type ActivitiesOverrides = Partial<Pick<ServiceSpec<ActivitiesContext>, 'relayOptions'>>;

/** Builds and starts the activities subgraph; main.ts adds signal handling, tests call it directly. */
export function startActivities(env: NodeJS.ProcessEnv = process.env, overrides: ActivitiesOverrides = {}): Promise<RunningService> {
  const config = loadConfig(env);
  return startService<ActivitiesContext>({
    name: 'activities',
    config,
    logger: createLogger('activities', config.LOG_LEVEL),
    typeDefs: [schemaSdl, activitySdl],
    resolvers: [activityResolvers],
    extendContext: createContext,
    outboxModels: [ActivityModel],
    consumers: [dealStageTasksConsumer],
    ...overrides,
  });
}
