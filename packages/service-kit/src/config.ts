import { LOCAL_INTERNAL_SECRET } from '@crm/auth';
import { z } from 'zod';

const isProduction = (env: NodeJS.ProcessEnv) => env.NODE_ENV === 'production';

/** Settings every service reads; a service extends this with its own. */
export function serviceEnvSchema(defaults: { port: number; database: string }, env: NodeJS.ProcessEnv = process.env) {
  const secret = (localDefault: string) =>
    isProduction(env) ? z.string().min(32, 'must be set to at least 32 characters in production') : z.string().min(16).default(localDefault);
  return z.object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(defaults.port),
    HOST: z.string().default('127.0.0.1'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    MONGODB_URL: z.string().startsWith('mongodb').default('mongodb://127.0.0.1:27017'),
    MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]+$/).default(defaults.database),
    KAFKA_BROKERS: z
      .string()
      .default('127.0.0.1:9092')
      .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean)),
    KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().positive().default(3),
    KAFKA_REPLICATION_FACTOR: z.coerce.number().int().positive().default(1),
    /** Appended to consumer group ids, so tests get groups of their own beside a running stack. */
    KAFKA_GROUP_SUFFIX: z.string().regex(/^[A-Za-z0-9._-]*$/).default(''),
    KAFKA_SSL: z.stringbool().default(false),
    KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
    KAFKA_SASL_USERNAME: z.string().min(1).optional(),
    KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
    /** Where a consumer group without committed offsets starts; `latest` is for tests. */
    KAFKA_CONSUMER_START: z.enum(['earliest', 'latest']).default('earliest'),
    INTERNAL_SECRET: secret(LOCAL_INTERNAL_SECRET),
  });
}

export type ServiceConfig = z.infer<ReturnType<typeof serviceEnvSchema>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment at start-up and fails with every problem listed, before anything connects. */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new ConfigError(`invalid configuration:\n${problems}`);
  }
  return result.data;
}
