import { LOCAL_KAFKA_SASL } from '@crm/auth';
import { compactedTopics } from '@crm/events';
import { Kafka, logLevel, type Admin, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { fixIdleRequestQueues } from './kafkajs-idle-queues';

export type { Kafka };

// Every client of the process, the tests' too, gets request queues that sleep when idle.
fixIdleRequestQueues();

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** TLS and SASL for managed clusters; both off for the local broker. */
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/**
 * The broker login from KAFKA_SASL_* (KAFKA_SASL_MECHANISM=none: no SASL). With `local`, the
 * local broker's development login fills what is not given; without, nothing is assumed.
 */
export function kafkaSaslFromEnv(env: NodeJS.ProcessEnv, local: boolean): KafkaSettings['sasl'] {
  const fallback = local ? LOCAL_KAFKA_SASL : undefined;
  const mechanism = env.KAFKA_SASL_MECHANISM ?? fallback?.mechanism;
  if (!mechanism || mechanism === 'none') return undefined;
  const username = env.KAFKA_SASL_USERNAME ?? fallback?.username;
  const password = env.KAFKA_SASL_PASSWORD ?? fallback?.password;
  if (!username || !password) throw new Error('set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_MECHANISM=none)');
  return { mechanism: mechanism as NonNullable<KafkaSettings['sasl']>['mechanism'], username, password };
}

/**
 * The longest wait between two tries at the broker, for every client (kafkajs's retries, a crashed
 * consumer's restart, the relay's backoff): once a broker is back after an outage, everything
 * reconnects within these 5 s (kafkajs's own default lets a consumer sleep 30 s first).
 */
export const BROKER_RETRY_MAX_MS = 5_000;

// kafkajs is unmaintained: everything else in the platform sees only this package's interfaces.
export function createKafka({ brokers, clientId, logger, ssl, sasl }: KafkaSettings): Kafka {
  return new Kafka({
    clientId,
    brokers,
    ...(ssl && { ssl: true }),
    // kafkajs types each mechanism apart; the three share the same fields.
    ...(sasl && { sasl: sasl as SASLOptions }),
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: BROKER_RETRY_MAX_MS },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...extra } = log;
        if (level <= logLevel.ERROR) logger.error(extra, `kafka: ${message}`);
        else logger.warn(extra, `kafka: ${message}`);
      },
  });
}

/** Creates missing topics up front (auto-creation on KRaft races with the first produce), the compacted ones compacted. */
export async function ensureTopics(kafka: Kafka, topics: readonly string[], partitions = 3, replicationFactor = 1, compacted: readonly string[] = compactedTopics): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: partitions,
          replicationFactor,
          ...(compacted.includes(topic) && { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }),
        })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
