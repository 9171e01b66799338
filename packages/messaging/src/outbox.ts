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
 * `outboxAt` marks documents with pending events so the relay finds them through an index
 * instead of scanning the collection. It is the one index not led by tenantId: the relay
 * serves every tenant at once, and the index holds nothing but that date.
 */
export function outboxPlugin(schema: Schema): void {
  // Typed loosely on purpose: mongoose's typings cannot tie a Mixed array to Envelope[].
  schema.add({ outbox: { type: [Schema.Types.Mixed], default: () => [] } as any, outboxAt: { type: Date, default: null } });
  schema.index({ outboxAt: 1 });
  schema.pre('save', function markPending(this: HasOutbox) {
    if (this.outbox.length > 0) this.outboxAt ??= new Date();
  });
}

export interface HasOutbox {
  outbox: Envelope[];
  outboxAt?: Date | null;
}

const PENDING = { outboxAt: { $gt: new Date(0) } };

/** Adds `events` to an update document so they are written atomically with it. */
export function withEvents<U extends Record<string, any>>(update: U, ...events: Envelope[]): U {
  return {
    ...update,
    $set: { ...update.$set, outboxAt: new Date() },
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

/**
 * Removes exactly the published entries: the common case empties the outbox and clears the
 * mark in one step; if events were pushed meanwhile, only the sent ones go and the mark stays.
 * One document per operation: FerretDB's SQLite backend was seen to hang on a bulk write
 * racing a findOneAndUpdate of the same documents.
 */
async function markSent(model: Model<any>, doc: { _id: unknown; outbox: Envelope[] }): Promise<void> {
  const emptied = await model.updateOne({ _id: doc._id, outbox: doc.outbox }, { $set: { outbox: [], outboxAt: null } });
  if (emptied.matchedCount === 0) await model.updateOne({ _id: doc._id }, { $pullAll: { outbox: doc.outbox } });
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { models, publisher, logger, pollIntervalMs = 1000, batchSize = 100, publishTimeoutMs = 15_000 } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let failures = 0;

  async function drainModel(model: Model<any>): Promise<number> {
    let sent = 0;
    for (;;) {
      const docs = await model
        .find(PENDING, { _id: 1, outbox: 1 })
        .limit(batchSize)
        .lean<{ _id: unknown; outbox: Envelope[] }[]>();
      if (docs.length === 0) return sent;
      const events = docs.flatMap((doc) => doc.outbox);
      await withTimeout(publisher.publish(events), publishTimeoutMs, 'publishing outbox events');
      await options.afterPublish?.(events);
      for (const doc of docs) await markSent(model, doc);
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
