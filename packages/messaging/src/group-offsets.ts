import type { Kafka } from 'kafkajs';
import { sleep, withTimeout } from './timeout';

type TopicEnds = { topic: string; ends: { partition: number; offset: string }[] };

/**
 * Commits the current end offsets for a group that has none yet, before it joins, so it
 * skips the history but misses nothing produced from now on (kafkajs's own `fromBeginning:
 * false` resolves offsets only after joining, which loses what arrives in between).
 */
export async function startNewGroupAtLatest(kafka: Kafka, groupId: string, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt += 1) {
      const fresh = await uncommittedTopics(admin, groupId, topics);
      if (fresh.length === 0) return;
      if (attempt > 3) throw new Error(`could not start group ${groupId} at the end of ${fresh.map(({ topic }) => topic).join(', ')}`);
      await withTimeout(commitThroughMember(kafka, groupId, fresh), 30_000, `starting group ${groupId} at the end of its topics`);
    }
  } finally {
    await admin.disconnect();
  }
}

/** The topics on which the group has no committed offset, with their current end offsets. */
async function uncommittedTopics(admin: ReturnType<Kafka['admin']>, groupId: string, topics: readonly string[]): Promise<TopicEnds[]> {
  // A fresh broker answers "coordinator is loading" until its offsets topic exists: retry that.
  const committed = await retryRetriable(() => admin.fetchOffsets({ groupId, topics: [...topics] }));
  const fresh = committed.filter(({ partitions }) => partitions.every((partition) => partition.offset === '-1'));
  return Promise.all(
    fresh.map(async ({ topic }) => {
      const ends = await retryRetriable(() => admin.fetchTopicOffsets(topic));
      return { topic, ends: ends.map(({ partition, high }) => ({ partition, offset: high })) };
    }),
  );
}

/**
 * What kafkajs's `admin.setOffsets` does, for every topic in one join and with a short fetch
 * wait: a member of the (empty) group seeks each partition, and kafkajs commits a seek before
 * its next fetch. `setOffsets` joins once per topic and waits out a 5 s fetch each time.
 */
async function commitThroughMember(kafka: Kafka, groupId: string, topics: TopicEnds[]): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 10, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: topics.map(({ topic }) => topic), fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => resolve());
      consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
      consumer.pause(topics.map(({ topic }) => ({ topic })));
      for (const { topic, ends } of topics) for (const { partition, offset } of ends) consumer.seek({ topic, partition, offset });
    });
  } finally {
    await consumer.disconnect();
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
