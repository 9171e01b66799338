import { InvalidEventError, parseEvent, topics as crmTopics, type Envelope } from '@crm/events';
import { Partitioners, type Consumer, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { ProcessedEventModel } from './processed-event.model';

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

  async function handle(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    let event: Envelope;
    try {
      event = parseEvent(JSON.parse(message.value?.toString('utf8') ?? ''));
    } catch (error) {
      const reason = error instanceof InvalidEventError ? error.message : `unparseable message: ${(error as Error).message}`;
      return deadLetter(topic, partition, message, reason);
    }
    const handler = handlers[event.type];
    if (!handler) return; // another consumer's event, or a newer type this build does not know

    const recordId = `${groupId}:${event.id}`;
    if (await ProcessedEventModel.exists({ _id: recordId })) {
      log.debug({ eventId: event.id, type: event.type }, 'skipping an event already processed');
      return;
    }
    const eventLog = log.child({ eventId: event.id, type: event.type, tenantId: event.tenantId, correlationId: event.correlationId });
    for (let attempt = 1; ; attempt += 1) {
      try {
        await handler(event, eventLog);
        break;
      } catch (error) {
        if (error instanceof PermanentEventError) return deadLetter(topic, partition, message, error.message);
        if (attempt >= attempts) throw error; // kafkajs restarts the consumer from the last committed offset
        eventLog.warn({ err: error, attempt }, 'event handler failed; retrying');
        await sleep(Math.min(100 * 2 ** attempt, 5000));
      }
    }
    await ProcessedEventModel.create({
      _id: recordId,
      tenantId: event.tenantId,
      consumer: groupId,
      eventId: event.id,
      eventType: event.type,
      processedAt: new Date(),
    }).catch((error: { code?: number }) => {
      if (error.code !== 11000) throw error; // a concurrent duplicate already recorded it
    });
  }

  async function connectAndRun(): Promise<void> {
    if (options.startFrom === 'latest') await startNewGroupAtLatest(kafka, groupId, options.topics);
    consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, sessionTimeout: 10_000, heartbeatInterval: 1000 });
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
    await consumer.run({ eachMessage: ({ topic, partition, message }) => handle(topic, partition, message) });
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
