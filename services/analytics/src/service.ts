import { createLogger, startService, type RunningService } from '@crm/service-kit';
import { loadConfig } from './config';
import { createContext, type AnalyticsContext } from './context';
import schemaSdl from './schema.graphql';
import { funnelConsumer } from './modules/funnel/funnel.consumer';
import funnelSdl from './modules/funnel/funnel.graphql';
import { funnelResolvers } from './modules/funnel/funnel.resolvers';

/** Builds and starts the analytics subgraph; main.ts adds signal handling, tests call it directly. */
export function startAnalytics(env: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  const config = loadConfig(env);
  return startService<AnalyticsContext>({
    name: 'analytics',
    config,
    logger: createLogger('analytics', config.LOG_LEVEL),
    typeDefs: [schemaSdl, funnelSdl],
    resolvers: [funnelResolvers],
    extendContext: createContext,
    // Analytics only reads other services' events; it publishes none.
    consumers: [funnelConsumer],
  });
}
