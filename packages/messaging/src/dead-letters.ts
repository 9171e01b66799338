import { randomBytes } from 'node:crypto';
import { topics } from '@crm/events';
import { Partitioners, type IHeaders, type Kafka } from 'kafkajs';

/** A message parked in the dead-letter topic, named `<partition>:<offset>` there. */
export interface DeadLetter {
  id: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface DeadLetterOptions {
  /** Default: `crm.dead-letter`. */
  topic?: string;
  /** At most this many messages per partition, the latest (default 100). */
  limit?: number;
  /** A read that has not reached the end by then stops with what it has (default 20 s). */
  timeoutMs?: number;
}

interface Range {
  partition: number;
  from: bigint;
  /** Exclusive. */
  to: bigint;
}

const headersOf = (headers: IHeaders | undefined) =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([key, value]) => [key, String(value)]));

export function parseDeadLetterId(id: string): { partition: number; offset: bigint } {
  const match = /^(\d+):(\d+)$/.exec(id);
  if (!match) throw new Error(`"${id}" is not a dead-letter id (<partition>:<offset>)`);
  return { partition: Number(match[1]), offset: BigInt(match[2]!) };
}

/**
 * Reads the given offset ranges of a topic once, in a throwaway consumer group that starts at
 * the ranges (its offsets set before it joins) and is deleted afterwards: bounded in count and time.
 */
async function readRanges(kafka: Kafka, topic: string, ranges: Range[], timeoutMs: number): Promise<DeadLetter[]> {
  const wanted = ranges.filter((range) => range.from < range.to);
  if (wanted.length === 0) return [];
  const groupId = `dlq-reader-${randomBytes(5).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  try {
    const partitions = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: partitions.map(({ partition, high }) => ({ partition, offset: String(wanted.find((range) => range.partition === partition)?.from ?? high) })),
    });
    const read: DeadLetter[] = [];
    const left = new Set(wanted.map((range) => range.partition));
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const range = wanted.find((candidate) => candidate.partition === partition);
        const offset = BigInt(message.offset);
        if (!range || offset < range.from || offset >= range.to) return;
        read.push({ id: `${partition}:${message.offset}`, key: message.key?.toString('utf8') ?? null, value: message.value?.toString('utf8') ?? null, headers: headersOf(message.headers) });
        if (offset + 1n >= range.to) left.delete(partition);
        if (left.size === 0) finish();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    return read.sort((a, b) => (a.headers['dlq-failed-at'] ?? '').localeCompare(b.headers['dlq-failed-at'] ?? ''));
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

async function partitionsOf(kafka: Kafka, topic: string) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map(({ partition, low, high }) => ({ partition, low: BigInt(low), high: BigInt(high) }));
  } finally {
    await admin.disconnect();
  }
}

/** The latest `limit` parked messages of each partition, oldest first. */
export async function listDeadLetters(kafka: Kafka, options: DeadLetterOptions = {}): Promise<DeadLetter[]> {
  const { topic = topics.deadLetter, limit = 100, timeoutMs = 20_000 } = options;
  const partitions = await partitionsOf(kafka, topic);
  const ranges = partitions.map(({ partition, low, high }) => ({ partition, from: high - BigInt(limit) > low ? high - BigInt(limit) : low, to: high }));
  return readRanges(kafka, topic, ranges, timeoutMs);
}

/** One parked message by id, or undefined when the topic no longer (or never) held it. */
export async function showDeadLetter(kafka: Kafka, id: string, options: DeadLetterOptions = {}): Promise<DeadLetter | undefined> {
  const { topic = topics.deadLetter, timeoutMs = 20_000 } = options;
  const { partition, offset } = parseDeadLetterId(id);
  const held = (await partitionsOf(kafka, topic)).find((candidate) => candidate.partition === partition);
  if (!held || offset < held.low || offset >= held.high) return undefined;
  const [found] = await readRanges(kafka, topic, [{ partition, from: offset, to: offset + 1n }], timeoutMs);
  return found;
}

/**
 * Publishes parked messages again, unchanged, to the topic they were read from (header
 * `dlq-source-topic`): every consumer of it sees the event again, and those that processed it
 * skip it by its id (processed_events), so a replay, or a second one, changes nothing twice.
 * `ids`: the messages to replay, or 'all' (the latest `limit` per partition).
 */
export async function replayDeadLetters(kafka: Kafka, ids: string[] | 'all', options: DeadLetterOptions = {}): Promise<{ id: string; topic: string }[]> {
  const letters =
    ids === 'all'
      ? await listDeadLetters(kafka, options)
      : await Promise.all(ids.map(async (id) => (await showDeadLetter(kafka, id, options)) ?? Promise.reject(new Error(`no dead letter ${id}`))));
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const replayed: { id: string; topic: string }[] = [];
    for (const letter of letters) {
      const topic = letter.headers['dlq-source-topic'];
      if (!topic) throw new Error(`dead letter ${letter.id} names no source topic`);
      const headers = Object.fromEntries(Object.entries(letter.headers).filter(([name]) => !name.startsWith('dlq-')));
      await producer.send({ topic, acks: -1, messages: [{ key: letter.key, value: letter.value, headers: { ...headers, 'dlq-replayed-from': letter.id } }] });
      replayed.push({ id: letter.id, topic });
    }
    return replayed;
  } finally {
    await producer.disconnect();
  }
}
