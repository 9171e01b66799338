import { parseConfig, serviceEnvSchema } from '@crm/service-kit';
import { z } from 'zod';

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(
    serviceEnvSchema({ port: 4002, database: 'crm_deals' }, env).extend({
      /** Read your own writes (docs/architecture.md): how long createDeal waits for a company not yet known here... */
      DEAL_COMPANY_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(2_000),
      /** ...how long its reference may stay PENDING before the deal is flagged MISSING... */
      DEAL_COMPANY_DEADLINE_MS: z.coerce.number().int().positive().default(10 * 60_000),
      /** ...and how often PENDING references are looked over. */
      DEAL_COMPANY_SWEEP_MS: z.coerce.number().int().positive().default(15_000),
    }),
    env,
  );
