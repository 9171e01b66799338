import { parseConfig, serviceEnvSchema } from '@crm/service-kit';

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(serviceEnvSchema({ port: 4002, database: 'crm_deals' }, env), env);
