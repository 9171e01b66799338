import type { Envelope } from '@crm/events';
import { Schema, type Model } from 'mongoose';
import type { Logger } from 'pino';
import type { EventPublisher } from './publisher';

/**
 * Transactional outbox without transactions: an aggregate's pending events live on
 * the aggregate's own document, written in the same single-document atomic operation
 * as the state change. The relay publishes them, then removes exactly those entries.
 * A crash in between re-sends them (at-least-once); consumers are idempotent.
 *
 * Two fields beside `outbox` make that cheap:
 * - `outboxPending: true` marks documents with pending events. The relay finds them by
 *   equality on that indexed boolean: the one kind of filter every store we run serves from
 *   an index (FerretDB's SQLite backend serves no range, so the former `outboxAt: {$gt}` mark
 *   read whole tables). It is the one index not led by tenantId: the relay serves every
 *   tenant at once, and the index holds nothing but that flag.
 * - `outboxVersion` counts the writes that pushed events. The relay clears a batch of
 *   documents in one `updateMany({_id: {$in}, outboxVersion: v})` per version it read: a
 *   document that received events meanwhile no longer matches and only loses what was sent.
 */
export function outboxPlugin(schema: Schema): void {
  // Typed loosely on purpose: mongoose's typings cannot tie a Mixed array to Envelope[].
  schema.add({
    outbox: { type: [Schema.Types.Mixed], default: () => [] } as any,
    outboxPending: { type: Boolean, default: false },
    outboxVersion: { type: Number, default: 0 },
  });
  schema.index({ outboxPending: 1 });
  schema.pre('save', function markPending(this: HasOutbox & { isModified(path: string): boolean; isNew: boolean }) {
    if (this.outbox.length > 0 && (this.isNew || this.isModified('outbox'))) {
      this.outboxPending = true;
      this.outboxVersion = (this.outboxVersion ?? 0) + 1;
    }
  });
}

export interface HasOutbox {
  outbox: Envelope[];
  outboxPending?: boolean;
  outboxVersion?: number;
}

const PENDING = { outboxPending: true };
/** Documents marked by a version of the relay that used a date range (see migrateOutboxMarks). */
const LEGACY_PENDING = { outboxAt: { $gt: new Date(0) } };

/** Adds `events` to an update document so they are written atomically with it. */
export function withEvents<U extends Record<string, any>>(update: U, ...events: Envelope[]): U {
  return {
    ...update,
    $set: { ...update.$set, outboxPending: true },
    $inc: { ...update.$inc, outboxVersion: 1 },
    $push: { ...update.$push, outbox: { $each: events } },
  };
}

export interface OutboxRelayOptions {
  models: Model<any>[];
  publisher: EventPublisher;
  logger: Logger;
  /** How often to look for events that a kick did not pick up (after a crash, or written by another replica). */
  pollIntervalMs?: number;
  batchSize?: number;
  /** A publish that neither succeeds nor fails by then is abandoned and retried: the relay never stalls. */
  publishTimeoutMs?: number;
  /** Test hook: runs after publishing, before the sent events are removed. */
  afterPublish?: (events: Envelope[]) => Promise<void> | void;
}

export interface OutboxRelay {
  /** Publish pending events now (called after each write so events leave within milliseconds). */
  kick(): void;
  /** Drains everything pending once; resolves when done. */
  flush(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

type PendingDoc = { _id: unknown; outbox: Envelope[]; outboxVersion?: number | null };

/**
 * Removes exactly the published entries of a batch. Documents still at the version read
 * (the common case: nothing was pushed meanwhile) are emptied and unmarked together, one
 * `updateMany` per distinct version, found by `_id $in` (an index lookup on every store).
 * A document that received events meanwhile keeps them and its mark: only the sent entries
 * are pulled, one document per operation (rare, so no bulk write: FerretDB's SQLite backend
 * was seen to hang on a bulk write racing a findOneAndUpdate of the same documents).
 */
async function markSent(model: Model<any>, docs: PendingDoc[]): Promise<void> {
  const byVersion = new Map<number | null, PendingDoc[]>();
  for (const doc of docs) {
    const version = doc.outboxVersion ?? null;
    const group = byVersion.get(version);
    if (group) group.push(doc);
    else byVersion.set(version, [doc]);
  }
  for (const [version, group] of byVersion) {
    const ids = group.map((doc) => doc._id);
    const emptied = await model.updateMany({ _id: { $in: ids }, outboxVersion: version }, { $set: { outbox: [], outboxPending: false } });
    if (emptied.matchedCount === group.length) continue;
    // Some moved on: find which (by key), and pull from those only what was sent.
    const moved = await model
      .find({ _id: { $in: ids } }, { _id: 1, outboxVersion: 1 })
      .lean<{ _id: unknown; outboxVersion?: number | null }[]>();
    for (const current of moved) {
      if ((current.outboxVersion ?? null) === version) continue;
      const doc = group.find((candidate) => String(candidate._id) === String(current._id))!;
      if (doc.outbox.length > 0) await model.updateOne({ _id: doc._id }, { $pullAll: { outbox: doc.outbox } });
    }
  }
}

/**
 * Documents marked by the relay's former `outboxAt` date (before `outboxPending` existed) are
 * re-marked, so an upgrade loses none of their events. Once per database and collection (a
 * marker document in `migrations`): the date range is served by no index on the local store.
 * An empty collection (a new database, every test's) is only marked. Through the driver:
 * mongoose's strictQuery would drop the unknown `outboxAt` from the filter. Call it at start-up,
 * before the service takes writes.
 */
export async function migrateOutboxMarks(models: Model<any>[]): Promise<void> {
  for (const model of models) {
    const migrations = model.db.collection<{ _id: string; at: Date }>('migrations');
    const _id = `outbox-pending-mark:${model.collection.collectionName}`;
    if (await migrations.findOne({ _id })) continue;
    if ((await model.estimatedDocumentCount()) > 0) {
      await model.collection.updateMany(LEGACY_PENDING, { $set: { outboxPending: true }, $unset: { outboxAt: '' } });
    }
    await migrations.updateOne({ _id }, { $set: { at: new Date() } }, { upsert: true });
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { models, publisher, logger, pollIntervalMs = 1000, batchSize = 500, publishTimeoutMs = 15_000 } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let failures = 0;

  async function drainModel(model: Model<any>): Promise<number> {
    let sent = 0;
    for (;;) {
      // An equality on the indexed mark: no scan, however many documents the collection holds.
      const docs = await model.find(PENDING, { _id: 1, outbox: 1, outboxVersion: 1 }).limit(batchSize).lean<PendingDoc[]>();
      if (docs.length === 0) return sent;
      const events = docs.flatMap((doc) => doc.outbox);
      // One produce request for the whole batch (kafkajs does not batch across calls).
      await withTimeout(publisher.publish(events), publishTimeoutMs, 'publishing outbox events');
      await options.afterPublish?.(events);
      await markSent(model, docs);
      sent += events.length;
      if (docs.length < batchSize) return sent;
    }
  }

  async function drainAll(): Promise<number> {
    let total = 0;
    do {
      again = false;
      for (const model of models) total += await drainModel(model);
    } while (again);
    return total;
  }

  function flush(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = drainAll()
      .then((sent) => {
        if (failures > 0) logger.info({ sent }, 'outbox relay recovered');
        failures = 0;
        return sent;
      })
      .finally(() => {
        running = undefined;
        // A kick that came after the last round's check would otherwise wait for the next poll.
        if (again) {
          again = false;
          kick();
        }
      });
    return running;
  }

  function kick(): void {
    flush().catch((error) => {
      failures += 1;
      // Events stay on their documents; the next poll retries. Log once per outage, not per poll.
      if (failures === 1) logger.warn({ err: error }, 'outbox relay could not publish; will retry');
    });
  }

  return {
    kick,
    flush,
    start() {
      timer ??= setInterval(kick, pollIntervalMs);
      kick();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
