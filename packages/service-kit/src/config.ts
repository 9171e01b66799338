import { isLocalDevRun, LOCAL_INTERNAL_SECRET, LOCAL_KAFKA_SASL, localDevFlagProblem, secretSetting, secretWeakness } from '@crm/auth';
import { z } from 'zod';

/** NODE_ENV, refusing the local flag beside production (see @crm/auth local-dev). */
export const nodeEnvSetting = (env: NodeJS.ProcessEnv) =>
  z
    .enum(['development', 'test', 'production'])
    .default('development')
    .refine(() => !localDevFlagProblem(env), { message: localDevFlagProblem(env) });

/**
 * Kafka SASL: a local run defaults to the local broker's SCRAM user; `KAFKA_SASL_MECHANISM=none`
 * turns it off (a broker without SASL). Elsewhere nothing is assumed, and the local password is refused.
 */
function kafkaSaslSettings(env: NodeJS.ProcessEnv) {
  const local = isLocalDevRun(env) ? LOCAL_KAFKA_SASL : undefined;
  const mechanism = z.enum(['none', 'plain', 'scram-sha-256', 'scram-sha-512']);
  return {
    KAFKA_SASL_MECHANISM: (local ? mechanism.default(local.mechanism) : mechanism.optional()).transform((value) => (value === 'none' ? undefined : value)),
    KAFKA_SASL_USERNAME: local ? z.string().min(1).default(local.username) : z.string().min(1).optional(),
    KAFKA_SASL_PASSWORD: local
      ? z.string().min(1).default(local.password)
      : z
          .string()
          .min(1)
          .refine((value) => value !== LOCAL_KAFKA_SASL.password, { message: secretWeakness(LOCAL_KAFKA_SASL.password) })
          .optional(),
  };
}

/** Settings every service reads; a service extends this with its own. */
export function serviceEnvSchema(defaults: { port: number; database: string }, env: NodeJS.ProcessEnv = process.env) {
  return z.object({
    NODE_ENV: nodeEnvSetting(env),
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
    ...kafkaSaslSettings(env),
    /**
     * How long the broker holds a consumer's fetch when it has nothing new (it answers as soon as
     * something arrives, so this is no delay), and how often a consumer tells its group it is alive
     * (a third of the 10 s session; a rebalance is noticed at the next one). Every consumer does
     * both while idle: at 250 ms and 1 s a quiet local stack burnt 176–200 ms of CPU a second, at
     * 1 s and 3 s 128–130 (the broker's half as much), with the same event lag (slice bench).
     */
    KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(10).max(10_000).default(1000),
    KAFKA_HEARTBEAT_MS: z.coerce.number().int().min(100).max(3_000).default(3000),
    /** A consumer commits its handled offsets at most this often; 0: after every fetched batch (messaging's offset-commits.ts). */
    KAFKA_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(10_000).default(1000),
    /** Where a consumer group without committed offsets starts; `latest` is for tests. */
    KAFKA_CONSUMER_START: z.enum(['earliest', 'latest']).default('earliest'),
    INTERNAL_SECRET: secretSetting('INTERNAL_SECRET', LOCAL_INTERNAL_SECRET, env),
    /** maxTimeMS of every store query and aggregate. */
    STORE_QUERY_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
    /**
     * How long an operation waits for an unreachable store before it fails (SERVICE_UNAVAILABLE,
     * retryable): below the gateway's SUBGRAPH_TIMEOUT_MS, so the client gets that answer, not a timeout.
     */
    STORE_WAIT_MS: z.coerce.number().int().positive().default(4_000),
    /** A failing event handler runs this many times, with backoff up to the delay, before its event is parked. */
    CONSUMER_RETRY_ATTEMPTS: z.coerce.number().int().positive().default(8),
    CONSUMER_RETRY_MAX_DELAY_MS: z.coerce.number().int().positive().default(10_000),
    // Keys a consumer that allows it handles at once (its spec's parallelKeys is the most). 1: one
    // message at a time, which keeps a store shared with interactive requests for them.
    CONSUMER_PARALLEL_KEYS: z.coerce.number().int().min(1).max(64).default(1),
    /**
     * How long a process keeps data it reads on most requests and that seldom changes (read-cache.ts:
     * a caller's access, analytics' currency and rates, pipeline definitions). Its own changes drop
     * them at once; another instance's arrive within this. 0: none.
     */
    READ_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    /** Retention of consumers' processed-event records and of parked outbox events (see docs/architecture.md). */
    PROCESSED_EVENTS_RETENTION_DAYS: z.coerce.number().int().positive().default(14),
    PARKED_EVENTS_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
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
