/**
 * `npm run analytics:rebuild`: rebuilds every analytics read model from the topics, beside the
 * live ones. It starts the analytics service on a fresh database (REBUILD_DB, default
 * `<MONGODB_DB>_rebuild`) with consumer groups of a new generation (`<group>.rebuild-<id>`)
 * reading from the earliest offset (or from REBUILD_SINCE, an ISO date-time), waits until every
 * group has reached the topics' ends as they were at the start, copies the settings that come
 * from mutations rather than events, and stops. Switch by pointing the service's MONGODB_DB at
 * the rebuilt database (see services/analytics/README.md). Prints one JSON line of figures.
 */
import { createKafka } from '@crm/messaging';
import { createLogger } from '@crm/service-kit';
import mongoose from 'mongoose';
import { loadConfig } from '../src/config';
import { analyticsConsumers, startAnalytics } from '../src/service';

/**
 * Collections set by mutations, not by events: the rebuild copies them from the live database.
 * ABC: thresholds, the latest stored analysis and the classes published (so the rebuilt service
 * does not publish them again); campaigns.
 */
export const SETTINGS_COLLECTIONS = ['money_settings', 'abc_settings', 'abc_analyses', 'abc_classes', 'campaigns'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const env = process.env;
  const config = loadConfig(env);
  const logger = createLogger('analytics-rebuild', config.LOG_LEVEL);
  const target = env.REBUILD_DB ?? `${config.MONGODB_DB}_rebuild`;
  if (target === config.MONGODB_DB) throw new Error('REBUILD_DB must differ from the live MONGODB_DB');
  const since = env.REBUILD_SINCE ? new Date(env.REBUILD_SINCE) : null;
  if (since && Number.isNaN(since.getTime())) throw new Error('REBUILD_SINCE is not a date and time');
  const timeoutMs = Number(env.REBUILD_TIMEOUT_MS ?? 3_600_000);
  const generation = `${config.KAFKA_GROUP_SUFFIX}.rebuild-${Date.now().toString(36)}`;
  const started = Date.now();

  const sasl = config.KAFKA_SASL_MECHANISM && config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD
    ? { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME, password: config.KAFKA_SASL_PASSWORD }
    : undefined;
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'crm-analytics-rebuild', logger, ssl: config.KAFKA_SSL, sasl });
  const admin = kafka.admin();
  await admin.connect();
  const live = await mongoose.createConnection(config.MONGODB_URL, { dbName: config.MONGODB_DB }).asPromise();
  try {
    await live.useDb(target).dropDatabase();

    // Per group: its topics, where it starts and the ends it must reach.
    const groups = analyticsConsumers.map((consumer) => ({
      groupId: `${consumer.groupId}${generation}`,
      topics: [...new Set(consumer.handlers.map((handler) => handler.definition.topic))],
    }));
    const topics = [...new Set(groups.flatMap((group) => group.topics))];
    const ends = new Map<string, Map<number, { start: number; high: number }>>();
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      const starts = since ? await admin.fetchTopicOffsetsByTimestamp(topic, since.getTime()) : null;
      ends.set(topic, new Map(offsets.map(({ partition, low, high }) => {
        const fromTime = starts?.find((row) => row.partition === partition)?.offset;
        // An offset of -1 by timestamp: nothing at or after `since` in that partition.
        const start = fromTime === undefined ? Number(low) : Number(fromTime) < 0 ? Number(high) : Number(fromTime);
        return [partition, { start, high: Number(high) }];
      })));
    }
    if (since) {
      for (const group of groups) {
        for (const topic of group.topics) {
          await admin.setOffsets({ groupId: group.groupId, topic, partitions: [...ends.get(topic)!].map(([partition, { start }]) => ({ partition, offset: String(start) })) });
        }
      }
    }

    let counts: Record<string, number> = {};
    const service = await startAnalytics({ ...env, MONGODB_DB: target, KAFKA_GROUP_SUFFIX: generation, KAFKA_CONSUMER_START: 'earliest', PORT: '0', ABC_NIGHTLY_CHECK_MS: '0' });
    try {
      await service.consumersJoined;
      for (const group of groups) {
        for (let caughtUp = false; !caughtUp; ) {
          if (Date.now() - started > timeoutMs) throw new Error(`rebuild: ${group.groupId} did not reach the topics' ends within ${timeoutMs} ms`);
          const committed = await admin.fetchOffsets({ groupId: group.groupId, topics: group.topics });
          caughtUp = committed.every(({ topic, partitions }) =>
            partitions.every(({ partition, offset }) => {
              const end = ends.get(topic)?.get(partition);
              return !end || end.high <= end.start || Number(offset) >= end.high;
            }),
          );
          if (!caughtUp) await sleep(250);
        }
      }
      for (const name of SETTINGS_COLLECTIONS) {
        const docs = await live.collection(name).find({}).toArray();
        if (docs.length > 0) await live.useDb(target).collection(name).insertMany(docs);
      }
      counts = Object.fromEntries(
        await Promise.all(['deal_facts', 'deal_counters', 'deal_stage_spans', 'company_facts', 'deal_progress', 'funnel_counts'].map(async (name) => [name, await live.useDb(target).collection(name).estimatedDocumentCount()])),
      );
    } finally {
      // Stopping the service disconnects every mongoose connection, this script's too.
      await service.stop();
    }
    console.log(JSON.stringify({ rebuilt: target, from: since?.toISOString() ?? 'earliest', groups: groups.map((group) => group.groupId), seconds: (Date.now() - started) / 1000, documents: counts }));
  } finally {
    await live.close().catch(() => undefined);
    await admin.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`analytics rebuild failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
