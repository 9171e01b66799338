import { findDefinition, type Envelope } from '@crm/events';
import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';

export interface EventPublisher {
  /** Resolves once the broker has acknowledged every event (acks from all in-sync replicas). */
  publish(events: readonly Envelope[]): Promise<void>;
  close(): Promise<void>;
}

export function topicOf(event: Envelope): string {
  const def = findDefinition(event.type, event.version);
  if (!def) throw new Error(`no topic for unknown event ${event.type} v${event.version}`);
  return def.topic;
}

export function toMessage(event: Envelope): Message {
  return {
    key: event.aggregateId,
    value: JSON.stringify(event),
    headers: {
      'event-type': event.type,
      'event-version': String(event.version),
      'tenant-id': event.tenantId,
      ...(event.correlationId && { 'correlation-id': event.correlationId }),
    },
  };
}

export function createKafkaPublisher(kafka: Kafka): EventPublisher {
  // One request in flight keeps each aggregate's events in order; duplicates after a retry are
  // harmless because every consumer is idempotent (kafkajs's idempotent producer is experimental).
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: false,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let connecting: Promise<void> | undefined;
  const connect = () => (connecting ??= producer.connect().catch((error) => {
    connecting = undefined;
    throw error;
  }));

  return {
    async publish(events) {
      if (events.length === 0) return;
      await connect();
      const byTopic = new Map<string, Message[]>();
      for (const event of events) {
        const topic = topicOf(event);
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), toMessage(event)]);
      }
      await producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    },
    async close() {
      if (connecting) await producer.disconnect();
      connecting = undefined;
    },
  };
}
