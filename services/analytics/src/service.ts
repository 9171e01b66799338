import { policyConsumer, requireRightOnQueries } from '@crm/policy';
import { createLogger, startService, type RunningService } from '@crm/service-kit';
import { loadConfig } from './config';
import { createContext, type AnalyticsContext } from './context';
import schemaSdl from './schema.graphql';
import { funnelConsumer } from './modules/funnel/funnel.consumer';
import { migrateFunnelCounters } from './modules/funnel/funnel.projection';
import funnelSdl from './modules/funnel/funnel.graphql';
import { funnelResolvers } from './modules/funnel/funnel.resolvers';
import { setCounterGrace } from './modules/deal-facts/counter-fence';
import { tokenSweepWorker } from './modules/deal-facts/token-sweep.worker';
import { factsConsumer } from './modules/deal-facts/facts.consumer';
import moneySdl from './modules/money/money.graphql';
import { moneyResolvers } from './modules/money/money.resolvers';
import salesCycleSdl from './modules/sales-cycle/sales-cycle.graphql';
import { salesCycleResolvers } from './modules/sales-cycle/sales-cycle.resolvers';
import resultsSdl from './modules/results/results.graphql';
import { resultsResolvers } from './modules/results/results.resolvers';
import forecastSdl from './modules/forecast/forecast.graphql';
import { forecastResolvers } from './modules/forecast/forecast.resolvers';
import abcSdl from './modules/abc/abc.graphql';
import { AbcClassModel } from './modules/abc/abc.models';
import { nightlyAbcWorker } from './modules/abc/abc.nightly';
import { abcResolvers } from './modules/abc/abc.resolvers';
import { companyPotentialConsumer } from './modules/abc/company-potential.consumer';
import capacitySdl from './modules/capacity/capacity.graphql';
import { capacityResolvers } from './modules/capacity/capacity.resolvers';
import { timeNormsConsumer } from './modules/capacity/time-norms';
import { paymentFactsConsumer } from './modules/payment-facts/payment-facts.consumer';
import { salesFactsConsumer } from './modules/won-deals/sales-facts.consumer';
import campaignSdl from './modules/campaign/campaign.graphql';
import { campaignResolvers } from './modules/campaign/campaign.resolvers';
import { activityFactsConsumer } from './modules/activity-facts/activity-facts.consumer';
import managerActivitySdl from './modules/manager-activity/manager-activity.graphql';
import { managerActivityResolvers } from './modules/manager-activity/manager-activity.resolvers';

/** Every read model's consumer: the live service runs them, `npm run analytics:rebuild` replays the topics through them. */
export const analyticsConsumers = [
  funnelConsumer,
  factsConsumer,
  salesFactsConsumer,
  paymentFactsConsumer,
  activityFactsConsumer,
  companyPotentialConsumer,
  timeNormsConsumer,
];

/** Builds and starts the analytics subgraph; main.ts adds signal handling, tests call it directly. */
export async function startAnalytics(env: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  const config = loadConfig(env);
  const logger = createLogger('analytics', config.LOG_LEVEL);
  setCounterGrace(config.DEAL_COUNTER_GRACE_MS);
  const service = await startService<AnalyticsContext>({
    name: 'analytics',
    config,
    logger,
    typeDefs: [schemaSdl, funnelSdl, moneySdl, salesCycleSdl, resultsSdl, forecastSdl, abcSdl, capacitySdl, managerActivitySdl, campaignSdl],
    // Every figure needs a read right on analytics (@crm/policy); team and owner filters, and the rows per person, team or company, are kept to its scope (figures-scope.ts, README "Rights").
    resolvers: requireRightOnQueries([funnelResolvers, moneyResolvers, salesCycleResolvers, resultsResolvers, forecastResolvers, abcResolvers, capacityResolvers, managerActivityResolvers, campaignResolvers], 'analytics'),
    extendContext: createContext,
    // ABC classes carry the CompanyAbcClassChanged they publish (the contacts service applies them).
    outboxModels: [AbcClassModel],
    consumers: [...analyticsConsumers, policyConsumer('analytics')],
    workers: [nightlyAbcWorker(config.ABC_NIGHTLY_HOUR_UTC, config.ABC_NIGHTLY_CHECK_MS, logger), tokenSweepWorker(logger)],
  });
  // Facts written before the counters existed are counted once per database, in the background.
  migrateFunnelCounters().then(
    (settled) => settled > 0 && logger.info({ settled }, 'funnel: settled facts whose counters lagged'),
    (error) => logger.warn({ err: error }, 'funnel: could not settle lagging facts at start; their next event will'),
  );
  return service;
}
