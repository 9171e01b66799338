import { parseConfig, serviceEnvSchema } from '@crm/service-kit';

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(serviceEnvSchema({ port: 4003, database: 'crm_activities' }, env), env);
