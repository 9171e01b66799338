import { findDefinition, type Envelope } from '@crm/events';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { toMessage } from '../publisher';
import { testKafka } from './kafka';

export interface RawMessage {
  key: string | null;
  value: string | null;
  headers?: Record<string, string>;
}

export interface TestProducer {
  /** Publishes events as their service would: to their type's topic, keyed by aggregate, in one batch. */
  send(...events: Envelope[]): Promise<void>;
  /** Anything, to any topic: poison messages, forged sources, unknown versions. */
  sendRaw(topic: string, ...messages: RawMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** A producer for tests; connects on first use. */
export function createTestProducer(kafka: Kafka = testKafka()): TestProducer {
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  let connected: Promise<void> | undefined;
  const connect = () => (connected ??= producer.connect());
  return {
    async send(...events) {
      await connect();
      const byTopic = new Map<string, ReturnType<typeof toMessage>[]>();
      for (const event of events) {
        const topic = findDefinition(event.type, event.version)?.topic;
        if (!topic) throw new Error(`${event.type} v${event.version} is not in the catalogue: use sendRaw with its topic`);
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), toMessage(event)]);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    },
    async sendRaw(topic, ...messages) {
      await connect();
      await producer.send({ topic, acks: -1, messages });
    },
    async close() {
      if (connected) await producer.disconnect();
      connected = undefined;
    },
  };
}
