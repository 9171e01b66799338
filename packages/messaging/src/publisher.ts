import { findDefinition, messageKey, type Envelope } from '@crm/events';
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
    key: messageKey(topicOf(event), event),
    value: JSON.stringify(event),
    headers: {
      'event-type': event.type,
      'event-version': String(event.version),
      'tenant-id': event.tenantId,
      ...(event.correlationId && { 'correlation-id': event.correlationId }),
    },
  };
}

/** Broker answers that no retry can change: the message itself is refused. */
const PERMANENT = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TOPIC_EXCEPTION']);

/** Whether a publish failed because of what was sent (park it), not because of the broker's state (retry). */
export function isPermanentPublishError(error: unknown): boolean {
  for (let current = error as { type?: string; cause?: unknown } | undefined, depth = 0; current && depth < 5; depth += 1) {
    if (current.type && PERMANENT.has(current.type)) return true;
    current = current.cause as typeof current;
  }
  return false;
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
