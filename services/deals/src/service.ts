import { policyConsumer } from '@crm/policy';
import { createLogger, startService, type RunningService, type ServiceSpec } from '@crm/service-kit';
import { loadConfig } from './config';
import { createContext, type DealsContext } from './context';
import schemaSdl from './schema.graphql';
import companySdl from './modules/company/company.graphql';
import { companyConsumer } from './modules/company/company.consumer';
import { configureCompanyReferences, startCompanyReferenceSweeper } from './modules/company/company-references';
import { companyResolvers } from './modules/company/company.resolvers';
import concessionSdl from './modules/concession/concession.graphql';
import { ConcessionModel } from './modules/concession/concession.model';
import { concessionResolvers } from './modules/concession/concession.resolvers';
import dealSdl from './modules/deal/deal.graphql';
import { DealModel } from './modules/deal/deal.model';
import { dealResolvers } from './modules/deal/deal.resolvers';
import { stageSweepWorker } from './modules/deal/deal.sweep';
import { LostReasonsModel } from './modules/deal/lost-reasons.model';
import { mergesConsumer } from './modules/merge/merges.consumer';
import pipelineSdl from './modules/pipeline/pipeline.graphql';
import { PipelineModel } from './modules/pipeline/pipeline.model';
import { pipelineResolvers } from './modules/pipeline/pipeline.resolvers';
import { purchaseConsumer } from './modules/purchase/purchase.consumer';
import { leadConversionConsumer } from './modules/lead/lead-converted.consumer';
import purchaseSdl from './modules/purchase/purchase.graphql';
import teamSdl from './modules/team/team.graphql';
import { teamResolvers } from './modules/team/team.resolvers';
import { purchaseResolvers } from './modules/purchase/purchase.resolvers';

export type DealsOverrides = Partial<Pick<ServiceSpec<DealsContext>, 'relayOptions'>>;

/** Builds and starts the deals subgraph; main.ts adds signal handling, tests call it directly. */
export async function startDeals(env: NodeJS.ProcessEnv = process.env, overrides: DealsOverrides = {}): Promise<RunningService> {
  const config = loadConfig(env);
  const logger = createLogger('deals', config.LOG_LEVEL);
  configureCompanyReferences({ waitMs: config.DEAL_COMPANY_WAIT_MS, deadlineMs: config.DEAL_COMPANY_DEADLINE_MS, sweepMs: config.DEAL_COMPANY_SWEEP_MS });
  const service = await startService<DealsContext>({
    name: 'deals',
    config,
    logger,
    typeDefs: [schemaSdl, pipelineSdl, dealSdl, companySdl, concessionSdl, purchaseSdl, teamSdl],
    resolvers: [pipelineResolvers, dealResolvers, companyResolvers, concessionResolvers, purchaseResolvers, teamResolvers],
    extendContext: createContext,
    outboxModels: [PipelineModel, DealModel, ConcessionModel, LostReasonsModel],
    consumers: [companyConsumer, purchaseConsumer, mergesConsumer, leadConversionConsumer, policyConsumer('deals')],
    workers: [
      stageSweepWorker({ intervalMs: config.DEAL_STAGE_SWEEP_MS, graceMs: config.DEAL_STAGE_SWEEP_GRACE_MS, batch: config.DEAL_STAGE_SWEEP_BATCH }, logger),
    ],
    ...overrides,
  });
  const stopSweeper = startCompanyReferenceSweeper(logger);
  return {
    ...service,
    async stop() {
      await stopSweeper();
      await service.stop();
    },
  };
}
