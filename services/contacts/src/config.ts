import { parseConfig, serviceEnvSchema } from '@crm/service-kit';

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(serviceEnvSchema({ port: 4001, database: 'crm_contacts' }, env), env);
