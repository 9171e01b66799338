import { createLogger, startService, type RunningService, type ServiceSpec } from '@crm/service-kit';
import { loadConfig } from './config';
import { createContext, type DealsContext } from './context';
import schemaSdl from './schema.graphql';
import companySdl from './modules/company/company.graphql';
import { companyConsumer } from './modules/company/company.consumer';
import { companyResolvers } from './modules/company/company.resolvers';
import dealSdl from './modules/deal/deal.graphql';
import { DealModel } from './modules/deal/deal.model';
import { dealResolvers } from './modules/deal/deal.resolvers';
import pipelineSdl from './modules/pipeline/pipeline.graphql';
import { PipelineModel } from './modules/pipeline/pipeline.model';
import { pipelineResolvers } from './modules/pipeline/pipeline.resolvers';

export type DealsOverrides = Partial<Pick<ServiceSpec<DealsContext>, 'relayOptions'>>;

/** Builds and starts the deals subgraph; main.ts adds signal handling, tests call it directly. */
export function startDeals(env: NodeJS.ProcessEnv = process.env, overrides: DealsOverrides = {}): Promise<RunningService> {
  const config = loadConfig(env);
  return startService<DealsContext>({
    name: 'deals',
    config,
    logger: createLogger('deals', config.LOG_LEVEL),
    typeDefs: [schemaSdl, pipelineSdl, dealSdl, companySdl],
    resolvers: [pipelineResolvers, dealResolvers, companyResolvers],
    extendContext: createContext,
    outboxModels: [PipelineModel, DealModel],
    consumers: [companyConsumer],
    ...overrides,
  });
}
