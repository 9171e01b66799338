import type { Kafka } from 'kafkajs';
import { sleep } from './timeout';

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
