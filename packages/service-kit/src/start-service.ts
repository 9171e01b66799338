import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { allTopics } from '@crm/events';
import {
  createConsumerRunner,
  createKafka,
  createKafkaPublisher,
  createOutboxRelay,
  ensureTopics,
  migrateOutboxMarks,
  type ConsumerRunner,
  type EventHandler,
  type OutboxRelay,
} from '@crm/messaging';
import type { Kafka } from 'kafkajs';
import mongoose, { type Model } from 'mongoose';
import type { Logger } from 'pino';
import type { ServiceConfig } from './config';
import type { BaseContext } from './context';
import { connectMongo, isMongoReady } from './mongo';
import { createSubgraphApp } from './subgraph-app';

export interface ConsumerSpec {
  groupId: string;
  topics: readonly string[];
  handlers: Record<string, EventHandler>;
}

export interface ServiceSpec<TContext extends BaseContext> {
  name: string;
  config: ServiceConfig;
  logger: Logger;
  typeDefs: string[];
  resolvers: object[];
  extendContext: (base: BaseContext) => TContext;
  /** Aggregates whose documents carry an outbox (none for a pure read-model service). */
  outboxModels?: Model<any>[];
  consumers?: ConsumerSpec[];
  /** Options for tests: a slower poll shows that a kick, not the poll, delivers events. */
  relayOptions?: { pollIntervalMs?: number; afterPublish?: Parameters<typeof createOutboxRelay>[0]['afterPublish'] };
}

export interface RunningService {
  url: string;
  port: number;
  kafka: Kafka;
  relay: OutboxRelay;
  consumers: ConsumerRunner[];
  /** Resolves once every consumer has joined its group. */
  consumersJoined: Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a subgraph: store first (nothing works without it), then HTTP, outbox relay
 * and consumers. Kafka being down does not stop the service: writes queue in the
 * outbox and consumers keep retrying until the broker is back.
 */
export async function startService<TContext extends BaseContext>(spec: ServiceSpec<TContext>): Promise<RunningService> {
  const { config, logger } = spec;
  await connectMongo(config.MONGODB_URL, config.MONGODB_DB, logger);
  // Before any write: documents marked the former way (an outboxAt date) join the relay's mark.
  await migrateOutboxMarks(spec.outboxModels ?? []);

  const sasl =
    config.KAFKA_SASL_MECHANISM && config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD
      ? { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME, password: config.KAFKA_SASL_PASSWORD }
      : undefined;
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `crm-${spec.name}`, logger, ssl: config.KAFKA_SSL, sasl });
  const topicsReady = retryForever(
    () => ensureTopics(kafka, allTopics, config.KAFKA_TOPIC_PARTITIONS, config.KAFKA_REPLICATION_FACTOR),
    logger,
    'create Kafka topics',
  );
  const publisher = createKafkaPublisher(kafka);
  const relay = createOutboxRelay({ models: spec.outboxModels ?? [], publisher, logger, ...spec.relayOptions });

  // A handler may write outbox events (a task created from a stage change): publish them now.
  const kickAfter = (handler: EventHandler): EventHandler => async (event, log) => {
    await handler(event, log);
    relay.kick();
  };
  const consumers = (spec.consumers ?? []).map((consumer) =>
    createConsumerRunner({
      kafka,
      logger,
      topics: consumer.topics,
      groupId: consumer.groupId + config.KAFKA_GROUP_SUFFIX,
      startFrom: config.KAFKA_CONSUMER_START,
      handlers: Object.fromEntries(Object.entries(consumer.handlers).map(([type, handler]) => [type, kickAfter(handler)])),
    }),
  );
  const { app, stop: stopApollo } = await createSubgraphApp({
    name: spec.name,
    typeDefs: spec.typeDefs,
    resolvers: spec.resolvers,
    internalSecret: config.INTERNAL_SECRET,
    logger,
    relay,
    extendContext: spec.extendContext,
    isReady: () => isMongoReady() && consumers.every((consumer) => consumer.joined),
  });

  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(config.PORT, config.HOST, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  // Longer than the callers' idle keep-alive, so a reused socket is never closed under a request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST}:${port}/graphql`;
  logger.info({ url }, `${spec.name} subgraph listening`);

  let stopping = false;
  const consumersJoined = topicsReady.then(() =>
    Promise.all(consumers.map((consumer) => retryForever(() => consumer.start(), logger, 'start consumer', () => stopping))),
  ).then(() => undefined);
  if (spec.outboxModels?.length) void topicsReady.then(() => relay.start());

  return {
    url,
    port,
    kafka,
    relay,
    consumers,
    consumersJoined,
    async stop() {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await Promise.all(consumers.map((consumer) => consumer.stop().catch(() => undefined)));
      await relay.stop();
      await publisher.close().catch(() => undefined);
      await stopApollo();
      await mongoose.disconnect();
      logger.info(`${spec.name} stopped`);
    },
  };
}

async function retryForever(task: () => Promise<void>, logger: Logger, what: string, cancelled = () => false): Promise<void> {
  for (let attempt = 1; !cancelled(); attempt += 1) {
    try {
      return await task();
    } catch (error) {
      if (attempt === 1 || attempt % 10 === 0) logger.warn({ err: error, attempt }, `could not ${what}; retrying`);
      await sleep(Math.min(250 * 2 ** attempt, 10_000));
    }
  }
}

/** For main.ts: stop cleanly on SIGTERM (Kubernetes) and Ctrl-C. */
export function stopOnSignals(service: RunningService, logger: Logger): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    service.stop().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
