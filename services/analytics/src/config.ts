import { parseConfig, serviceEnvSchema } from '@crm/service-kit';

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(serviceEnvSchema({ port: 4004, database: 'crm_analytics' }, env), env);
