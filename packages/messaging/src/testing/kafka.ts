import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { kafkaSaslFromEnv } from '../kafka';
import { uniqueId } from './ids';

/** A client for the local (or KAFKA_BROKERS) broker with the services' login in a local run, quiet: tests assert on what they read, not on logs. */
export const testKafka = () =>
  new Kafka({
    clientId: uniqueId('test'),
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    sasl: kafkaSaslFromEnv(process.env, true) as SASLOptions | undefined,
    logLevel: logLevel.NOTHING,
  });

/** A client pointed at a port where no broker listens: a broker outage, for real. */
export const unreachableKafka = () =>
  new Kafka({ clientId: uniqueId('test-down'), brokers: ['127.0.0.1:1'], connectionTimeout: 200, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
