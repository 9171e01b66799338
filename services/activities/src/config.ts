import { parseConfig, serviceEnvSchema } from '@crm/service-kit';
import { z } from 'zod';

const positive = (defaultValue: number) => z.coerce.number().int().positive().default(defaultValue);

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(
    serviceEnvSchema({ port: 4003, database: 'crm_activities' }, env).extend({
      /** How often the reminder scheduler looks for reminders and deadlines that are due. */
      REMINDER_POLL_MS: positive(5_000),
      /** Most claims one poll publishes, and most marked activities its sweep syncs; the next poll takes the rest. */
      REMINDER_BATCH: z.coerce.number().int().positive().max(1_000).default(200),
      /**
       * Settled plan waits (automation/plan-waits.ts) are kept this many days after they settled,
       * as long as a replay of an older deal event can come (as PROCESSED_EVENTS_RETENTION_DAYS)...
       */
      PLAN_WAIT_RETENTION_DAYS: positive(14),
      /** ...deleted by a clean-up this often, at most this many per round (a full round runs the next at once). */
      PLAN_WAIT_CLEANUP_MS: positive(3_600_000),
      PLAN_WAIT_CLEANUP_BATCH: z.coerce.number().int().positive().max(1_000).default(500),
    }),
    env,
  );

export type ActivitiesConfig = ReturnType<typeof loadConfig>;
