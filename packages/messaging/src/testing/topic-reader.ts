import type { Envelope } from '@crm/events';
import type { Consumer, IHeaders, Kafka } from 'kafkajs';
import { startNewGroupAtLatest } from '../group-offsets';
import { uniqueId } from './ids';
import { testKafka } from './kafka';
import { waitFor } from './wait';

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  event?: Envelope;
}

export interface TopicReader {
  messages: ReadMessage[];
  /** Waits (bounded: 60 s, as a relay and a broker starved on a loaded CI machine may need) until some message matches. */
  waitFor(match: (message: ReadMessage) => boolean, what?: string): Promise<ReadMessage>;
  close(): Promise<void>;
}

export const headersOf = (headers: IHeaders | undefined) =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([key, value]) => [key, String(value)]));

/** Reads what is published to `topics` from now on, in a fresh consumer group: create it before acting. */
export async function readTopics(topics: string[], kafka: Kafka = testKafka()): Promise<TopicReader> {
  const groupId = uniqueId('test-reader');
  await startNewGroupAtLatest(kafka, groupId, topics);
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const messages: ReadMessage[] = [];
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const value = message.value?.toString('utf8') ?? null;
      let event: Envelope | undefined;
      try {
        event = value ? (JSON.parse(value) as Envelope) : undefined;
      } catch {
        event = undefined;
      }
      messages.push({ topic, partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, value, headers: headersOf(message.headers), event });
    },
  });
  await joined;
  return {
    messages,
    waitFor: (match, what = 'a matching Kafka message') => waitFor(() => messages.find(match), { what, timeoutMs: 60_000 }),
    close: () => consumer.disconnect(),
  };
}
