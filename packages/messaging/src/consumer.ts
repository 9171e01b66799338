import { catalogue as defaultCatalogue, InvalidEventError, topicOwner, topics as crmTopics, type Catalogue, type Envelope, type EventDefinition } from '@crm/events';
import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { dayOf } from './day-bucket';
import { BROKER_RETRY_MAX_MS } from './kafka';
import { startNewGroupAtLatest } from './group-offsets';
import { offsetCommits, type Offsets } from './offset-commits';
import { ProcessedEventModel, type ProcessedEvent } from './processed-event.model';
import { isStoreUnavailable } from './store-availability';
import { isDuplicateKey } from './store-errors';
import { PermanentEventError, type BatchHandler, type Subscription } from './subscription';
import { sleep, withTimeout } from './timeout';

export interface RetryPolicy {
  /** Handler runs before the message is parked in the dead-letter topic (default 8). */
  attempts?: number;
  /** First pause between two runs, doubled each time (default 200 ms)... */
  initialDelayMs?: number;
  /** ...up to this (default 10 s). With the defaults a failing event is parked after about 23 s. */
  maxDelayMs?: number;
}

export interface ConsumerOptions {
  kafka: Kafka;
  /** Also the consumer's name in processed-event records and dead-letter headers. */
  groupId: string;
  /** One per event type, each at the version its handler reads. */
  handlers: readonly Subscription<any>[];
  /** Default: the topics of the handled events. */
  topics?: readonly string[];
  logger: Logger;
  /** Reads (and upcasts) events; the platform's catalogue unless a test brings its own. */
  catalogue?: Catalogue;
  retry?: RetryPolicy;
  deadLetterTopic?: string;
  /**
   * Where a brand-new group starts: `earliest` (a new service sees the whole history) or
   * `latest` (tests, which must not replay every earlier run's events).
   */
  startFrom?: 'earliest' | 'latest';
  /**
   * How many message keys (aggregates) are handled at once, in all the partitions it consumes
   * (concurrently). The events of one key stay in order, as Kafka guarantees them;
   * two keys are ordered only when they happen to share a partition, so handlers that are right
   * with several instances of the service are right here. Default 1: one message at a time.
   */
  parallelKeys?: number;
  /**
   * Handles a fetched batch of these types at once (see BatchHandler); the per-event handlers
   * run instead when it cannot, or when it fails. At most `batchSize` events per call (100).
   */
  batch?: BatchHandler;
  batchSize?: number;
  /**
   * The handlers leave the same result when an event comes again (claims, tokens, conditional
   * writes), as a redelivery after a crash would bring it. Then the runner does not look up the
   * processed records before handling a batch: that look-up only saves repeated work, and it is a
   * store read before every event takes effect. The records are written after, as always.
   */
  idempotent?: boolean;
  /** How long the broker holds an empty fetch (it answers as soon as data arrives); default 1000 ms. */
  fetchMaxWaitMs?: number;
  /** How often the consumer heartbeats its group (at most a third of the 10 s session); default 3000 ms. */
  heartbeatMs?: number;
  /**
   * Handled offsets are committed at most this often (default 1000 ms; 0: after every fetched
   * batch, as kafkajs does). See offset-commits.ts.
   */
  commitIntervalMs?: number;
}

export interface ConsumerRunner {
  readonly groupId: string;
  /** Connects, subscribes and resolves once the group is joined. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly joined: boolean;
}

/** Why a message goes to the dead-letter topic, and after how many handler runs. */
class Parked {
  constructor(
    readonly reason: string,
    readonly attempts = 0,
  ) {}
}

/** Offsets grouped by topic, as a batch's commitOffsetsIfNecessary takes them. */
const byTopic = (offsets: Offsets) =>
  [...Map.groupBy(offsets, ({ topic }) => topic)].map(([topic, partitions]) => ({ topic, partitions: partitions.map(({ partition, offset }) => ({ partition, offset })) }));

export function createConsumerRunner(options: ConsumerOptions): ConsumerRunner {
  const { kafka, groupId, logger, catalogue = defaultCatalogue, deadLetterTopic = crmTopics.deadLetter } = options;
  const { attempts = 8, initialDelayMs = 200, maxDelayMs = 10_000 } = options.retry ?? {};
  const parallelKeys = Math.max(1, Math.floor(options.parallelKeys ?? 1));
  // Handlers in flight across all the partitions consumed at once: never more than parallelKeys.
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    while (inFlight >= parallelKeys) await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight += 1;
  };
  const release = () => {
    inFlight -= 1;
    waiting.shift()?.();
  };
  const log = logger.child({ consumer: groupId });
  const byType = new Map<string, Subscription<any>>();
  for (const subscription of options.handlers) {
    const { type, version } = subscription.definition;
    const other = byType.get(type);
    // Two versions of one type would handle an event published in both versions twice.
    if (other) throw new Error(`consumer ${groupId} handles ${type} twice (v${other.definition.version} and v${version}): one version per type`);
    byType.set(type, subscription);
  }
  /**
   * A message whose `event-type` header (set by every CRM publisher) names a type this consumer
   * does not handle: passed over unread, with no parsing and no look-up of its processed record.
   * A busy topic carries mostly other consumers' types. Messages without the header are read.
   */
  const othersType = (message: KafkaMessage) => {
    const type = message.headers?.['event-type'];
    return (typeof type === 'string' || Buffer.isBuffer(type)) && !byType.has(type.toString());
  };
  // A type's source and topic, whatever the version (a version it does not know is parked when read).
  const definitionsByType = new Map<string, EventDefinition>();
  for (const definition of [...catalogue.definitions, ...options.handlers.map((subscription) => subscription.definition)]) {
    if (!definitionsByType.has(definition.type)) definitionsByType.set(definition.type, definition);
  }
  const batchTypes = new Set((options.batch?.definitions ?? []).map((definition) => definition.type));
  for (const definition of options.batch?.definitions ?? []) {
    // The per-event handler is the fallback: it must read the same version.
    const own = byType.get(definition.type)?.definition;
    if (!own || own.version !== definition.version) throw new Error(`consumer ${groupId}: its batch handler takes ${definition.type} v${definition.version}, which needs a per-event handler of that version`);
  }
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 100));
  const topics = options.topics ?? [...new Set(options.handlers.map((subscription) => subscription.definition.topic))];
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let joined = false;
  let stopped = false;
  let restarting = false;
  const commitIntervalMs = Math.max(0, options.commitIntervalMs ?? 1000);
  const commits = offsetCommits(commitIntervalMs, log);

  async function deadLetter(topic: string, partition: number, message: KafkaMessage, parked: Parked): Promise<void> {
    log.warn({ topic, partition, offset: message.offset, reason: parked.reason, attempts: parked.attempts }, 'parking a message in the dead-letter topic');
    producer ??= kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: deadLetterTopic,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            'dlq-reason': parked.reason,
            'dlq-consumer': groupId,
            'dlq-attempts': String(parked.attempts),
            'dlq-source-topic': topic,
            'dlq-source-partition': String(partition),
            'dlq-source-offset': message.offset,
            'dlq-failed-at': new Date().toISOString(),
          },
        },
      ],
    });
  }

  /** Checks a message before any handler sees it; returns the envelope, or why it is parked. */
  function admit(topic: string, message: KafkaMessage): Envelope | Parked {
    let raw: unknown;
    try {
      raw = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch (error) {
      return new Parked(`unparseable message: ${(error as Error).message}`);
    }
    try {
      const event = catalogue.parseEnvelope(raw);
      // Only a topic's owner publishes on it (crm.<service>.<aggregate>): anything else is forged or misrouted.
      const owner = topicOwner(topic);
      if (owner && event.source !== owner) return new Parked(`${event.type} from source ${event.source} on ${topic}, which only ${owner} publishes on`);
      // Nor may it pass off another source's type (a CompanyCreated from deals on crm.deals.deal).
      const definition = catalogue.find(event.type, event.version) ?? definitionsByType.get(event.type);
      if (definition && (definition.source !== event.source || definition.topic !== topic)) {
        return new Parked(`${event.type} is published by ${definition.source} on ${definition.topic}, not by ${event.source} on ${topic}`);
      }
      return event;
    } catch (error) {
      return new Parked((error as Error).message);
    }
  }

  /** Pauses while keeping the group membership (heartbeats); stops early when the consumer stops. */
  async function pause(ms: number, { heartbeat, isRunning }: Pick<EachBatchPayload, 'heartbeat' | 'isRunning'>): Promise<void> {
    for (const until = Date.now() + ms; Date.now() < until && isRunning(); ) {
      await sleep(Math.min(1000, until - Date.now()));
      await heartbeat();
    }
  }

  /**
   * Runs the handler: a PermanentEventError parks the event at once; any other failure is retried
   * with backoff, then parked after `attempts` runs so that one event never blocks its partition.
   * While the store is unreachable no run counts: parking would not help, every event needs it.
   */
  async function run(subscription: Subscription<any>, event: Envelope, batch: EachBatchPayload): Promise<Parked | undefined> {
    const data = catalogue.read(subscription.definition, event);
    const eventLog = log.child({ eventId: event.id, type: event.type, version: event.version, tenantId: event.tenantId, correlationId: event.correlationId });
    for (let failed = 0, waits = 0; ; waits += 1) {
      try {
        await subscription.handle(data, { ...event, data }, { logger: eventLog, consumer: groupId });
        return undefined;
      } catch (error) {
        if (error instanceof PermanentEventError) return new Parked(error.message, failed + 1);
        if (!isStoreUnavailable(error)) failed += 1;
        if (failed >= attempts) return new Parked(`handler failed ${failed} times: ${(error as Error).message}`, failed);
        if (!batch.isRunning()) throw error; // stopping: the message is redelivered, its offset is not committed
        eventLog.warn({ err: error, failed }, 'event handler failed; retrying');
        await pause(Math.min(initialDelayMs * 2 ** waits, maxDelayMs), batch);
      }
    }
  }

  /**
   * One message: checked, skipped when this group already processed it (`done`: the records found
   * for the batch, plus what the batch handled so far), read as the handler's version, handled.
   * Returns the processed-event record to write, or null (parked, another consumer's type, a repeat).
   */
  async function handle(message: KafkaMessage, batch: EachBatchPayload, done: Set<string>): Promise<ProcessedEvent | null> {
    const { topic, partition } = batch.batch;
    if (othersType(message)) return null;
    const event = admit(topic, message);
    if (event instanceof Parked) return deadLetter(topic, partition, message, event).then(() => null);
    const subscription = byType.get(event.type);
    if (!subscription) return null; // another consumer's type

    const recordId = `${groupId}:${event.id}`;
    if (done.has(recordId)) {
      log.debug({ eventId: event.id, type: event.type }, 'skipping an event already processed');
      return null;
    }
    let parked: Parked | undefined;
    try {
      parked = await run(subscription, event, batch);
    } catch (error) {
      // An event this consumer cannot read (bad data, a version it does not know): never handled.
      if (!(error instanceof InvalidEventError)) throw error;
      parked = new Parked(error.message);
    }
    if (parked) return deadLetter(topic, partition, message, parked).then(() => null);
    done.add(recordId);
    return recordOf(event);
  }

  function recordOf(event: Envelope): ProcessedEvent {
    const processedAt = new Date();
    return { _id: `${groupId}:${event.id}`, tenantId: event.tenantId, consumer: groupId, eventId: event.id, eventType: event.type, processedAt, day: dayOf(processedAt) };
  }

  /**
   * The batch handler's way through a fetched batch, taken only when every message is readable
   * and of its types (or already processed, or another consumer's type). Returns false when the
   * per-message way must handle the batch instead: something to park, another type, or a
   * failure of the batch handler (its effects are idempotent with the per-event handlers').
   */
  async function handledAsBatch(payload: EachBatchPayload, done: Set<string>): Promise<boolean> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const events: Envelope[] = [];
    const seen = new Set<string>();
    for (const message of batch.messages) {
      if (othersType(message)) continue;
      const event = admit(batch.topic, message);
      if (event instanceof Parked) return false;
      const subscription = byType.get(event.type);
      if (!subscription) continue; // another consumer's type
      if (!batchTypes.has(event.type)) return false;
      if (done.has(`${groupId}:${event.id}`) || seen.has(event.id)) continue;
      seen.add(event.id);
      try {
        events.push({ ...event, data: catalogue.read(subscription.definition, event) });
      } catch (error) {
        if (error instanceof InvalidEventError) return false; // parked by the per-message way
        throw error;
      }
    }
    try {
      for (let at = 0; at < events.length; at += batchSize) {
        if (!isRunning() || isStale()) return false;
        await options.batch!.handle(events.slice(at, at + batchSize), { logger: log, consumer: groupId });
        await heartbeat();
      }
    } catch (error) {
      if (!isRunning()) throw error; // stopping: redelivered, its offsets are not committed
      log.warn({ err: error, events: events.length }, 'batch handler failed; handling the batch one event at a time');
      return false;
    }
    await record(events.map(recordOf));
    const last = batch.messages.at(-1);
    if (last) resolveOffset(last.offset);
    return true;
  }

  /** The records of already processed events among a batch's messages: one lookup by key for the whole batch. */
  async function processedAmong(messages: KafkaMessage[]): Promise<Set<string>> {
    if (options.idempotent) return new Set();
    const ids = new Set<string>();
    for (const message of messages) {
      if (othersType(message)) continue;
      let id: unknown;
      try {
        id = (JSON.parse(message.value?.toString('utf8') ?? '') as { id?: unknown } | null)?.id;
      } catch {
        continue; // poison: handle() parks it
      }
      if (typeof id === 'string') ids.add(`${groupId}:${id}`);
    }
    if (ids.size === 0) return new Set();
    const found = await ProcessedEventModel.find({ _id: { $in: [...ids] } }, { _id: 1 }).lean<{ _id: string }[]>();
    return new Set(found.map((record) => record._id));
  }

  /** Writes the batch's records at once; a record a concurrent duplicate wrote first is fine. */
  async function record(records: ProcessedEvent[]): Promise<void> {
    if (records.length === 0) return;
    // Built whole by recordOf: the driver's insert, without a mongoose document per record.
    await ProcessedEventModel.insertMany(records, { ordered: false, lean: true }).catch((error) => {
      if (!isDuplicateKey(error)) throw error;
    });
  }

  /**
   * A fetched batch: one processed-events lookup for all its messages, the handlers (in order per
   * key, up to `parallelKeys` keys at once), then one insert of the new records. Offsets are
   * resolved up to the last message before which every message is handled or parked (effects are
   * idempotent: a crash before the records are written only means they run again), and the
   * records are written before the batch returns. Resolved offsets are committed later, at most
   * every `commitIntervalMs` (offset-commits.ts).
   */
  async function handleBatch(payload: EachBatchPayload): Promise<void> {
    const { topic, partition } = payload.batch;
    let resolved: string | undefined;
    const resolveOffset = (offset: string) => {
      payload.resolveOffset(offset);
      resolved = offset;
    };
    try {
      await handleFetched({ ...payload, resolveOffset });
    } finally {
      // Committable once the batch's processed records are written (handleFetched's last step).
      if (resolved !== undefined) commits.handled(topic, partition, resolved);
      // Stopping: kafkajs leaves the group once this batch returns, so what is handled is committed now.
      if (commitIntervalMs === 0 || !payload.isRunning()) await commits.flush((offsets) => payload.commitOffsetsIfNecessary({ topics: byTopic(offsets) }));
    }
  }

  async function handleFetched(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const done = await processedAmong(batch.messages);
    if (options.batch && (await handledAsBatch(payload, done))) return;
    const records: ProcessedEvent[] = [];
    const finished = new Set<number>(); // indexes of handled or parked messages
    let resolved = 0; // messages before this index are resolved
    let failure: unknown;
    // One lane per key (one lane for all when keys are not handled in parallel: the batch's order).
    const lanes = new Map<string, number[]>();
    batch.messages.forEach((message, index) => {
      const key = parallelKeys > 1 ? (message.key?.toString('utf8') ?? '') : '';
      const lane = lanes.get(key);
      if (lane) lane.push(index);
      else lanes.set(key, [index]);
    });
    const queue = [...lanes.values()];
    const runLane = async (): Promise<void> => {
      for (let lane = queue.shift(); lane; lane = queue.shift()) {
        for (const index of lane) {
          if (failure !== undefined || !isRunning() || isStale()) return;
          await slot();
          const processed = await handle(batch.messages[index]!, payload, done).finally(release);
          if (processed) records.push(processed);
          finished.add(index);
          while (finished.has(resolved)) resolved += 1;
          if (resolved > 0) resolveOffset(batch.messages[resolved - 1]!.offset);
          await heartbeat();
        }
      }
    };
    try {
      const workers = Math.min(parallelKeys, lanes.size);
      await Promise.all(
        Array.from({ length: workers }, () =>
          runLane().catch((error: unknown) => {
            failure ??= error;
          }),
        ),
      );
      if (failure !== undefined) throw failure;
    } finally {
      await record(records);
    }
  }

  async function connectAndRun(): Promise<void> {
    if (options.startFrom === 'latest') await startNewGroupAtLatest(kafka, groupId, topics);
    // Smaller fetches than kafkajs's defaults (1 MB per partition, 10 MB per request): a consumer
    // that is behind holds a few hundred decoded messages at a time, not thousands (RSS).
    consumer = kafka.consumer({
      groupId,
      maxWaitTimeInMs: options.fetchMaxWaitMs ?? 1000,
      sessionTimeout: 10_000,
      heartbeatInterval: options.heartbeatMs ?? 3000,
      maxBytesPerPartition: 256 * 1024,
      maxBytes: 2 * 1024 * 1024,
    });
    const joinedNow = new Promise<void>((resolve) => {
      consumer!.on(consumer!.events.GROUP_JOIN, () => {
        joined = true;
        resolve();
      });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      joined = false;
      log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      // kafkajs restarts a consumer itself only after a retriable error; after any other (seen
      // after a long broker outage) the consumer stays stopped while the process runs on.
      if (!payload.restart) void restartAfterCrash();
    });
    consumer.on(consumer.events.DISCONNECT, () => {
      joined = false;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    commits.reset();
    await consumer.run({ eachBatchAutoResolve: false, autoCommit: false, eachBatch: handleBatch, partitionsConsumedConcurrently: parallelKeys });
    if (commitIntervalMs > 0) commits.start(consumer);
    await joinedNow;
  }

  /** A new kafkajs consumer for the group, with backoff, until one has joined (or the runner is stopped). */
  async function restartAfterCrash(): Promise<void> {
    if (restarting || stopped) return;
    restarting = true;
    try {
      for (let attempt = 1; !stopped; attempt += 1) {
        await consumer?.disconnect().catch(() => undefined);
        await sleep(Math.min(500 * 2 ** attempt, BROKER_RETRY_MAX_MS));
        if (stopped) return;
        try {
          await withTimeout(connectAndRun(), 60_000, 'joining the group');
          log.info({ attempt }, 'consumer restarted after a crash');
          return;
        } catch (error) {
          log.warn({ err: error, attempt }, 'could not restart the consumer; retrying');
        }
      }
    } finally {
      restarting = false;
    }
  }

  return {
    groupId,
    get joined() {
      return joined;
    },
    start: connectAndRun,
    async stop() {
      stopped = true;
      joined = false;
      // While still a member: a batch in flight commits its own offsets as it ends (handleBatch).
      const current = consumer;
      if (current) await commits.flush((offsets) => current.commitOffsets(offsets));
      commits.reset();
      await consumer?.disconnect();
      await producer?.disconnect();
    },
  };
}
