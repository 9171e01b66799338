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
      /**
       * The stranded-deals sweep (deal/deal.sweep.ts): how often it runs, how long after a deletion
       * it looks into the deleted stages (longer than any createDeal takes, DEAL_COMPANY_WAIT_MS
       * included), and the most pipelines and deals it handles per poll.
       */
      DEAL_STAGE_SWEEP_MS: z.coerce.number().int().positive().default(60_000),
      DEAL_STAGE_SWEEP_GRACE_MS: z.coerce.number().int().min(0).default(5 * 60_000),
      DEAL_STAGE_SWEEP_BATCH: z.coerce.number().int().positive().max(1_000).default(100),
    }),
    env,
  );
