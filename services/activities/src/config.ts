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
    }),
    env,
  );

export type ActivitiesConfig = ReturnType<typeof loadConfig>;
