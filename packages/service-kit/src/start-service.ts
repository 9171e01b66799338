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
  sleep,
  startRetention,
  type BatchHandler,
  type ConsumerRunner,
  type Kafka,
  type OutboxRelay,
  type Subscription,
} from '@crm/messaging';
import mongoose, { type Model } from 'mongoose';
import type { Logger } from 'pino';
import type { ServiceConfig } from './config';
import type { BaseContext } from './context';
import { limitHeapGrowth } from './heap-growth';
import { createLogger } from './logger';
import { configureReadCaches } from './read-cache';
import { connectMongo, isMongoReady } from './mongo';
import { createSubgraphApp, type SubgraphAppOptions } from './subgraph-app';

/** A consumer group: the events it handles, each `on(Definition, handler)` at the version it reads. */
export interface ConsumerSpec {
  groupId: string;
  handlers: readonly Subscription<any>[];
  /**
   * The most keys (aggregates) this consumer's handlers may take at once (ConsumerOptions.parallelKeys):
   * what they are safe with. The deployment's CONSUMER_PARALLEL_KEYS (default 1) caps it.
   */
  parallelKeys?: number;
  /** Types handled a fetched batch at a time (ConsumerOptions.batch); their per-event handlers stay the fallback. */
  batch?: BatchHandler;
  /** Its handlers are exact when an event comes again: no look-up of processed records first (ConsumerOptions.idempotent). */
  idempotent?: boolean;
}

export interface ServiceSpec<TContext extends BaseContext> {
  name: string;
  config: ServiceConfig;
  logger: Logger;
  typeDefs: string[];
  resolvers: object[];
  /** May be async: contacts adds an unknown signed-in user to its directory before the request runs. */
  extendContext: (base: BaseContext) => TContext | Promise<TContext>;
  /** Aggregates whose documents carry an outbox (none for a pure read-model service). */
  outboxModels?: Model<any>[];
  consumers?: ConsumerSpec[];
  /** HTTP routes beside /graphql (see SubgraphAppOptions.routes). */
  routes?: SubgraphAppOptions<TContext>['routes'];
  /** Work the service does in the background (an import queue): started once it listens, stopped first on stop. */
  workers?: BackgroundWorker[];
  /** Options for tests: a slower poll shows that the write's wake-up, not the poll, delivers events. */
  relayOptions?: { pollIntervalMs?: number; afterPublish?: Parameters<typeof createOutboxRelay>[0]['afterPublish'] };
}

export interface BackgroundWorker {
  start(): void;
  stop(): Promise<void>;
}

export interface RunningService {
  url: string;
  port: number;
  kafka: Kafka;
  relay: OutboxRelay;
  consumers: ConsumerRunner[];
  /** Resolves once every consumer has joined its group. */
  consumersJoined: Promise<void>;
  /** What /health reports: the broker is `degraded` while topics, consumers or the relay cannot reach it. */
  health(): ServiceHealth;
  stop(): Promise<void>;
}

export interface ServiceHealth {
  broker: 'ok' | 'degraded';
  relay: 'ok' | 'degraded' | 'none';
  consumers: { group: string; joined: boolean }[];
}

/**
 * Starts a subgraph: store first (nothing works without it), then HTTP, outbox relay
 * and consumers. Kafka being down does not stop the service nor make it unready: writes
 * queue in the outbox (nothing on the request path waits on Kafka), consumers keep retrying
 * until the broker is back, and /health says `broker: degraded` meanwhile.
 */
export async function startService<TContext extends BaseContext>(spec: ServiceSpec<TContext>): Promise<RunningService> {
  const { config, logger } = spec;
  configureReadCaches(config.READ_CACHE_MS);
  await connectMongo(config.MONGODB_URL, config.MONGODB_DB, logger, { queryTimeoutMs: config.STORE_QUERY_TIMEOUT_MS, storeWaitMs: config.STORE_WAIT_MS });
  // Before any write: documents marked the former way (an outboxAt date) join the relay's mark.
  await migrateOutboxMarks(spec.outboxModels ?? []);

  const sasl =
    config.KAFKA_SASL_MECHANISM && config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD
      ? { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME, password: config.KAFKA_SASL_PASSWORD }
      : undefined;
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `crm-${spec.name}`, logger, ssl: config.KAFKA_SSL, sasl });
  const stopRetention = startRetention(logger, {
    processedEventsDays: config.PROCESSED_EVENTS_RETENTION_DAYS,
    parkedEventsDays: config.PARKED_EVENTS_RETENTION_DAYS,
  });
  let topicsCreated = false;
  let stopping = false;
  const topicsReady = retryForever(
    () => ensureTopics(kafka, allTopics, config.KAFKA_TOPIC_PARTITIONS, config.KAFKA_REPLICATION_FACTOR),
    logger,
    'create Kafka topics',
    () => stopping,
  ).then(() => {
    topicsCreated = !stopping;
  });
  const publisher = createKafkaPublisher(kafka);
  const relay = createOutboxRelay({ models: spec.outboxModels ?? [], publisher, logger, ...spec.relayOptions });

  // Handlers that write events (a task created from a stage change) write through the write seam, which wakes the relay.
  const consumers = (spec.consumers ?? []).map((consumer) =>
    createConsumerRunner({
      kafka,
      logger,
      groupId: consumer.groupId + config.KAFKA_GROUP_SUFFIX,
      handlers: consumer.handlers,
      parallelKeys: Math.min(consumer.parallelKeys ?? 1, config.CONSUMER_PARALLEL_KEYS),
      batch: consumer.batch,
      idempotent: consumer.idempotent,
      startFrom: config.KAFKA_CONSUMER_START,
      fetchMaxWaitMs: config.KAFKA_FETCH_MAX_WAIT_MS,
      heartbeatMs: config.KAFKA_HEARTBEAT_MS,
      commitIntervalMs: config.KAFKA_COMMIT_INTERVAL_MS,
      retry: { attempts: config.CONSUMER_RETRY_ATTEMPTS, maxDelayMs: config.CONSUMER_RETRY_MAX_DELAY_MS },
    }),
  );
  const hasRelay = (spec.outboxModels?.length ?? 0) > 0;
  const health = (): ServiceHealth => {
    const joined = consumers.map((consumer) => ({ group: consumer.groupId, joined: consumer.joined }));
    // The relay starts once the topics exist; until then its events wait as they would in an outage.
    const relayState = hasRelay ? (topicsCreated && relay.healthy ? 'ok' : 'degraded') : 'none';
    const ok = topicsCreated && relayState !== 'degraded' && joined.every((consumer) => consumer.joined);
    return { broker: ok ? 'ok' : 'degraded', relay: relayState, consumers: joined };
  };
  const { app, stop: stopApollo } = await createSubgraphApp({
    name: spec.name,
    typeDefs: spec.typeDefs,
    resolvers: spec.resolvers,
    internalSecret: config.INTERNAL_SECRET,
    logger,
    extendContext: spec.extendContext,
    isReady: isMongoReady,
    health,
    routes: spec.routes,
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

  const consumersJoined = topicsReady.then(() =>
    Promise.all(consumers.map((consumer) => retryForever(() => consumer.start(), logger, 'start consumer', () => stopping))),
  ).then(() => undefined);
  if (hasRelay) void topicsReady.then(() => topicsCreated && relay.start());
  for (const worker of spec.workers ?? []) worker.start();

  return {
    url,
    port,
    kafka,
    relay,
    consumers,
    consumersJoined,
    health,
    async stop() {
      stopping = true;
      stopRetention();
      await Promise.all((spec.workers ?? []).map((worker) => worker.stop()));
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

/**
 * A service's main.ts: the process-wide memory policy first (limitHeapGrowth, a process's
 * choice, so not taken by services started inside tests), then the service, stopped cleanly on
 * signals. Inside one chain, so that a refused configuration is logged as one fatal line like
 * any start-up failure.
 */
export function runService(name: string, start: () => Promise<RunningService>): void {
  const logger = createLogger(name);
  Promise.resolve()
    .then(() => {
      limitHeapGrowth();
      return start();
    })
    .then(
      (service) => stopOnSignals(service, logger),
      (error: unknown) => {
        logger.fatal({ err: error }, `${name} failed to start`);
        process.exit(1);
      },
    );
}

/** Stop cleanly on SIGTERM (Kubernetes) and Ctrl-C. */
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
