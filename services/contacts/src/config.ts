import { parseConfig, serviceEnvSchema } from '@crm/service-kit';
import { z } from 'zod';

const positive = (defaultValue: number) => z.coerce.number().int().positive().default(defaultValue);

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(
    serviceEnvSchema({ port: 4001, database: 'crm_contacts' }, env).extend({
      /** Largest uploaded file (the gateway has its own limit of the same name): 413 beyond. */
      UPLOAD_MAX_BYTES: positive(50 * 1024 * 1024),
      /** Uploads, and exports' download links, expire after this many hours. */
      UPLOAD_TTL_HOURS: positive(24),
      /** Rows an import reads, checks and writes at a time (one checkpoint per batch). */
      IMPORT_BATCH_SIZE: positive(1000),
      /** Most rows one import takes; more is refused (a row-numbered id holds 23 bits). */
      IMPORT_MAX_ROWS: z.coerce.number().int().positive().max(4_000_000).default(1_000_000),
      /** An import job is held this long per claim and renewed at every batch; a crashed holder's job is taken over after it. */
      IMPORT_LEASE_MS: positive(30_000),
      /** How often the import worker looks for work it was not woken for (jobs of another replica, expired leases). */
      IMPORT_POLL_MS: positive(1_000),
      /** How often each instance looks for leads whose acceptance SLA ran out (escalation). */
      LEAD_ESCALATION_POLL_MS: positive(5_000),
      /** Leads escalated per look (a full batch looks again at once). */
      LEAD_ESCALATION_BATCH: positive(100),
    }),
    env,
  );

export type ContactsConfig = ReturnType<typeof loadConfig>;
