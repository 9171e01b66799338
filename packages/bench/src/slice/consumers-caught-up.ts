// Whether every consumer group of a stack has committed the end of each partition it reads: the
// read models have worked off what was written. Read from the broker (admin offsets), so it
// covers every service's consumers without asking the services.
import type { Kafka } from 'kafkajs';

export async function consumersCaughtUp(kafka: Kafka, groupSuffix: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups.map(({ groupId }) => groupId).filter((groupId) => groupId.endsWith(groupSuffix));
    const ends = new Map<string, Map<number, number>>();
    const endOf = async (topic: string) => {
      if (!ends.has(topic)) ends.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, Number(high)])));
      return ends.get(topic)!;
    };
    for (const groupId of groups) {
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
        const end = await endOf(topic);
        // -1: nothing committed yet, which is caught up only where the partition is empty.
        if (partitions.some(({ partition, offset }) => Number(offset) < (end.get(partition) ?? 0) && !(Number(offset) === -1 && (end.get(partition) ?? 0) === 0))) return false;
      }
    }
    return groups.length > 0;
  } finally {
    await admin.disconnect();
  }
}
