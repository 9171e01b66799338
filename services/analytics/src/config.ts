import { parseConfig, serviceEnvSchema } from '@crm/service-kit';
import { z } from 'zod';

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(
    serviceEnvSchema({ port: 4004, database: 'crm_analytics' }, env).extend({
      /** The nightly ABC run (last 12 months) starts once this UTC hour is reached, once per tenant and day... */
      ABC_NIGHTLY_HOUR_UTC: z.coerce.number().int().min(0).max(23).default(2),
      /** ...checked this often; 0 turns the nightly run off (tests run it by hand). */
      ABC_NIGHTLY_CHECK_MS: z.coerce.number().int().min(0).default(15 * 60_000),
      /**
       * Deal counters and the pipeline funnel's counters: a confirmed move's token stays this long after
       * its claim before it is removed, and a claim's moves are not written past half of it (README
       * "How the counters stay exact").
       */
      DEAL_COUNTER_GRACE_MS: z.coerce.number().int().min(1_000).default(10_000),
    }),
    env,
  );
