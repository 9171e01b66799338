import { InvalidEventError, parseEvent, topics as crmTopics, type Envelope } from '@crm/events';
import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { ProcessedEventModel, type ProcessedEvent } from './processed-event.model';

export type EventHandler = (event: Envelope, logger: Logger) => Promise<void>;

/** Thrown by a handler for an event that can never succeed: it goes to the dead-letter topic. */
export class PermanentEventError extends Error {
  override name = 'PermanentEventError';
}

export interface ConsumerOptions {
  kafka: Kafka;
  /** Also the consumer's name in processed-event records. */
  groupId: string;
  topics: readonly string[];
  handlers: Record<string, EventHandler>;
  logger: Logger;
  /** In-process attempts before giving the message back to Kafka (offset not committed). */
  attempts?: number;
  deadLetterTopic?: string;
  /**
   * Where a brand-new group starts: `earliest` (a new service sees the whole history) or
   * `latest` (tests, which must not replay every earlier run's events).
   */
  startFrom?: 'earliest' | 'latest';
}

export interface ConsumerRunner {
  /** Connects, subscribes and resolves once the group is joined. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly joined: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Commits the current end offsets for a group that has none yet, before it joins, so it
 * skips the history but misses nothing produced from now on (kafkajs's own `fromBeginning:
 * false` resolves offsets only after joining, which loses what arrives in between).
 */
export async function startNewGroupAtLatest(kafka: Kafka, groupId: string, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      // A fresh broker answers "coordinator is loading" until its offsets topic exists: retry that.
      const [committed] = await retryRetriable(() => admin.fetchOffsets({ groupId, topics: [topic] }));
      if (committed?.partitions.some((partition) => partition.offset !== '-1')) continue;
      const ends = await retryRetriable(() => admin.fetchTopicOffsets(topic));
      await retryRetriable(() => admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) }));
    }
  } finally {
    await admin.disconnect();
  }
}

async function retryRetriable<T>(operation: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || attempt >= attempts) throw error;
      await sleep(Math.min(100 * attempt, 1000));
    }
  }
}

export function createConsumerRunner(options: ConsumerOptions): ConsumerRunner {
  const { kafka, groupId, handlers, logger, attempts = 5, deadLetterTopic = crmTopics.deadLetter } = options;
  const log = logger.child({ consumer: groupId });
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let joined = false;

  async function deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string): Promise<void> {
    log.warn({ topic, partition, offset: message.offset, reason }, 'parking poison message in the dead-letter topic');
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
            'dlq-reason': reason,
            'dlq-consumer': groupId,
            'dlq-source-topic': topic,
            'dlq-source-partition': String(partition),
            'dlq-source-offset': message.offset,
            'dlq-failed-at': new Date().toISOString(),
          },
        },
      ],
    });
  }

  /**
   * One message: parse, skip what this group already processed (`done`: the records found for
   * the batch, plus what the batch handled so far), run the handler with retries. Returns the
   * processed-event record to write, or null when there is none (poison, foreign type, repeat).
   */
  async function handle(topic: string, partition: number, message: KafkaMessage, done: Set<string>): Promise<ProcessedEvent | null> {
    let event: Envelope;
    try {
      event = parseEvent(JSON.parse(message.value?.toString('utf8') ?? ''));
    } catch (error) {
      const reason = error instanceof InvalidEventError ? error.message : `unparseable message: ${(error as Error).message}`;
      await deadLetter(topic, partition, message, reason);
      return null;
    }
    const handler = handlers[event.type];
    if (!handler) return null; // another consumer's event, or a newer type this build does not know

    const recordId = `${groupId}:${event.id}`;
    if (done.has(recordId)) {
      log.debug({ eventId: event.id, type: event.type }, 'skipping an event already processed');
      return null;
    }
    const eventLog = log.child({ eventId: event.id, type: event.type, tenantId: event.tenantId, correlationId: event.correlationId });
    for (let attempt = 1; ; attempt += 1) {
      try {
        await handler(event, eventLog);
        break;
      } catch (error) {
        if (error instanceof PermanentEventError) {
          await deadLetter(topic, partition, message, error.message);
          return null;
        }
        if (attempt >= attempts) throw error; // kafkajs restarts the consumer from the last committed offset
        eventLog.warn({ err: error, attempt }, 'event handler failed; retrying');
        await sleep(Math.min(100 * 2 ** attempt, 5000));
      }
    }
    done.add(recordId);
    return { _id: recordId, tenantId: event.tenantId, consumer: groupId, eventId: event.id, eventType: event.type, processedAt: new Date() };
  }

  /** The records of already processed events among a batch's messages: one lookup by key for the whole batch. */
  async function processedAmong(messages: KafkaMessage[]): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const message of messages) {
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
    await ProcessedEventModel.insertMany(records, { ordered: false }).catch((error: { code?: number; writeErrors?: { code?: number }[] }) => {
      const codes = error.writeErrors?.map((writeError) => writeError.code) ?? [error.code];
      if (codes.some((code) => code !== 11000)) throw error;
    });
  }

  /**
   * A fetched batch: one processed-events lookup for all its messages, the handlers one after
   * another in order, then one insert of the new records. Offsets are resolved as handlers
   * finish (their effects are idempotent: a crash before the records are written only means
   * they run again), and the records are written before the batch returns and kafkajs commits.
   */
  async function handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const done = await processedAmong(batch.messages);
    const records: ProcessedEvent[] = [];
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        const processed = await handle(batch.topic, batch.partition, message, done);
        if (processed) records.push(processed);
        resolveOffset(message.offset);
        await heartbeat();
      }
    } finally {
      await record(records);
    }
  }

  async function connectAndRun(): Promise<void> {
    if (options.startFrom === 'latest') await startNewGroupAtLatest(kafka, groupId, options.topics);
    // Smaller fetches than kafkajs's defaults (1 MB per partition, 10 MB per request): a consumer
    // that is behind holds a few hundred decoded messages at a time, not thousands (RSS).
    consumer = kafka.consumer({
      groupId,
      maxWaitTimeInMs: 250,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
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
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
    await consumer.run({ eachBatchAutoResolve: false, eachBatch: handleBatch });
    await joinedNow;
  }

  return {
    get joined() {
      return joined;
    },
    start: connectAndRun,
    async stop() {
      joined = false;
      await consumer?.disconnect();
      await producer?.disconnect();
    },
  };
}
