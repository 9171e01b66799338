import type { Envelope } from '@crm/events';
import { startNewGroupAtLatest } from '@crm/messaging';
import { Kafka, logLevel, type Consumer, type IHeaders } from 'kafkajs';
import { uniqueId } from './tenants';
import { waitFor } from './wait';

export interface ReadMessage {
  topic: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  event?: Envelope;
}

export interface TopicReader {
  messages: ReadMessage[];
  /** Waits (bounded) until some message matches. */
  waitFor(match: (message: ReadMessage) => boolean, what?: string): Promise<ReadMessage>;
  close(): Promise<void>;
}

export const testKafka = () =>
  new Kafka({ clientId: uniqueId('test'), brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING });

const headersOf = (headers: IHeaders | undefined) =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([key, value]) => [key, String(value)]));

/** Reads what is published to `topics` from now on, in a fresh consumer group: create it before acting. */
export async function readTopics(topics: string[], kafka = testKafka()): Promise<TopicReader> {
  const groupId = uniqueId('test-reader');
  await startNewGroupAtLatest(kafka, groupId, topics);
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const messages: ReadMessage[] = [];
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const value = message.value?.toString('utf8') ?? null;
      let event: Envelope | undefined;
      try {
        event = value ? (JSON.parse(value) as Envelope) : undefined;
      } catch {
        event = undefined;
      }
      messages.push({ topic, key: message.key?.toString('utf8') ?? null, value, headers: headersOf(message.headers), event });
    },
  });
  await joined;
  return {
    messages,
    waitFor: (match, what = 'a matching Kafka message') => waitFor(() => messages.find(match), { what, timeoutMs: 30_000 }),
    close: () => consumer.disconnect(),
  };
}
