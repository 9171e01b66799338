import { createLogger, startService, type RunningService } from '@crm/service-kit';
import { loadConfig } from './config';
import { createContext, type AnalyticsContext } from './context';
import schemaSdl from './schema.graphql';
import { funnelConsumer } from './modules/funnel/funnel.consumer';
import { migrateFunnelCounters } from './modules/funnel/funnel.projection';
import funnelSdl from './modules/funnel/funnel.graphql';
import { funnelResolvers } from './modules/funnel/funnel.resolvers';

/** Builds and starts the analytics subgraph; main.ts adds signal handling, tests call it directly. */
export async function startAnalytics(env: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  const config = loadConfig(env);
  const logger = createLogger('analytics', config.LOG_LEVEL);
  const service = await startService<AnalyticsContext>({
    name: 'analytics',
    config,
    logger,
    typeDefs: [schemaSdl, funnelSdl],
    resolvers: [funnelResolvers],
    extendContext: createContext,
    // Analytics only reads other services' events; it publishes none.
    consumers: [funnelConsumer],
  });
  // Facts written before the counters existed are counted once per database, in the background.
  migrateFunnelCounters().then(
    (settled) => settled > 0 && logger.info({ settled }, 'funnel: settled facts whose counters lagged'),
    (error) => logger.warn({ err: error }, 'funnel: could not settle lagging facts at start; their next event will'),
  );
  return service;
}
