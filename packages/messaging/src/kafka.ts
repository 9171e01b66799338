import { Kafka, logLevel, type Admin, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** TLS and SASL for managed clusters; both off for the local broker. */
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

// kafkajs is unmaintained: everything else in the platform sees only this package's interfaces.
export function createKafka({ brokers, clientId, logger, ssl, sasl }: KafkaSettings): Kafka {
  return new Kafka({
    clientId,
    brokers,
    ...(ssl && { ssl: true }),
    // kafkajs types each mechanism apart; the three share the same fields.
    ...(sasl && { sasl: sasl as SASLOptions }),
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, retries: 8 },
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

/** Creates missing topics up front: auto-creation on KRaft races with the first produce. */
export async function ensureTopics(kafka: Kafka, topics: readonly string[], partitions = 3, replicationFactor = 1): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
