import type { Envelope } from '@crm/events';
import { testKafka, uniqueId, waitFor } from '@crm/messaging/testing';

export interface LoggedEvent {
  topic: string;
  partition: number;
  offset: string;
  event: Envelope;
}

/**
 * Everything the topics hold now, each stored message once (by partition and offset), read
 * by a fresh group from the beginning: the private broker's topics hold this run's events only.
 * An event id found at two offsets was published twice; a reader that read one offset twice
 * (after its own rebalance) counts it once.
 */
export async function readWholeTopics(topicNames: string[]): Promise<LoggedEvent[]> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  try {
    for (const topic of topicNames) {
      for (const { partition, high } of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${partition}`, BigInt(high));
    }
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId: uniqueId('fault-topic-log'), maxWaitTimeInMs: 100 });
  const read = new Map<string, LoggedEvent | null>();
  const next = new Map<string, bigint>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: topicNames, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        next.set(`${topic}/${partition}`, BigInt(message.offset) + 1n);
        let event: Envelope | null = null;
        try {
          event = JSON.parse(message.value?.toString('utf8') ?? '') as Envelope;
        } catch {
          event = null; // not an event (a poison message some test published)
        }
        read.set(`${topic}/${partition}/${message.offset}`, event && { topic, partition, offset: message.offset, event });
      },
    });
    await waitFor(() => [...ends].every(([key, end]) => end === 0n || (next.get(key) ?? 0n) >= end), {
      timeoutMs: 60_000,
      what: `the whole of ${topicNames.join(', ')}`,
    });
  } finally {
    await consumer.disconnect();
  }
  return [...read.values()].filter((logged): logged is LoggedEvent => logged !== null);
}

/** One tenant's events by type: distinct ids, and ids stored more than once (published again). */
export function eventCounts(logged: LoggedEvent[], tenantId: string) {
  const ids = new Map<string, Set<string>>();
  const repeats = new Map<string, number>();
  for (const { event } of logged) {
    if (event?.tenantId !== tenantId) continue;
    const seen = ids.get(event.type) ?? new Set<string>();
    if (seen.has(event.id)) repeats.set(event.type, (repeats.get(event.type) ?? 0) + 1);
    ids.set(event.type, seen.add(event.id));
  }
  return { count: (type: string) => ids.get(type)?.size ?? 0, repeats: (type: string) => repeats.get(type) ?? 0 };
}
