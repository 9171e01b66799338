import { catalogue as defaultCatalogue, type Catalogue, type Envelope } from '@crm/events';
import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import { dayOf } from './day-bucket';
import { BROKER_RETRY_MAX_MS } from './kafka';
import { PENDING } from './outbox';
import { ParkedEventModel, type ParkedEvent } from './parked-event.model';
import { isPermanentPublishError, toMessage, type EventPublisher } from './publisher';
import { isDuplicateKey } from './store-errors';
import { wakeOnWrites } from './writes';
import { withTimeout } from './timeout';

export interface OutboxRelayOptions {
  models: Model<any>[];
  publisher: EventPublisher;
  logger: Logger;
  /** What may be published: an event whose type@version it does not know, or whose data breaks it, is parked. */
  catalogue?: Catalogue;
  /** How often to look for events that a wake-up did not pick up (after a crash, or written by another replica). */
  pollIntervalMs?: number;
  batchSize?: number;
  /** A publish that neither succeeds nor fails by then is abandoned and retried: the relay never stalls. */
  publishTimeoutMs?: number;
  /** After a failed round, the next waits 2^n poll intervals, up to this (BROKER_RETRY_MAX_MS: a broker outage costs no busy loop, a return is seen soon). */
  maxBackoffMs?: number;
  /**
   * Bigger messages are parked without asking the broker. Just under Kafka's default
   * `message.max.bytes` (1 MB); a broker that refuses a smaller one gets it parked as well.
   */
  maxMessageBytes?: number;
  /** Test hook: runs after publishing, before the sent events are removed. */
  afterPublish?: (events: Envelope[]) => Promise<void> | void;
}

export interface OutboxRelay {
  /**
   * Publish pending events soon: those of `model` after a write to it (the write seam), those of
   * every model without one (the poll). A write wakes the relay for its own collection only.
   */
  kick(model?: Model<any>): void;
  /** Drains everything pending once, now; resolves with the number of events published. */
  flush(): Promise<number>;
  /** Polls, and wakes on every write through insertWithEvents/updateWithEvents to its models. */
  start(): void;
  stop(): Promise<void>;
  /** False while publishing fails (the broker is down): reported by /health. */
  readonly healthy: boolean;
}

type PendingDoc = { _id: unknown; tenantId?: string; outbox: unknown[]; outboxVersion?: number | null };
type Outgoing = { doc: PendingDoc; event: Envelope };
type Refused = { doc: PendingDoc; event: unknown; reason: string };

/**
 * Removes exactly the entries read from a batch: published and parked alike. Documents still at
 * the version read (the common case: nothing was pushed meanwhile) are emptied and unmarked
 * together, one `updateMany` per distinct version, found by `_id $in` (an index lookup on every
 * store). A document that received events meanwhile keeps them and its mark: only what was read
 * is pulled, one document per operation (rare, so no bulk write: FerretDB's SQLite backend was
 * seen to hang on a bulk write racing a findOneAndUpdate of the same documents).
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
    // Publishing is not a change of the record: `updatedAt` stays, so writes conditional on it do not conflict with the relay.
    const emptied = await model.updateMany({ _id: { $in: ids }, outboxVersion: version }, { $set: { outbox: [], outboxPending: false } }, { timestamps: false });
    if (emptied.matchedCount === group.length) continue;
    // Some moved on: find which (by key), and pull from those only what was read.
    const moved = await model
      .find({ _id: { $in: ids } }, { _id: 1, outboxVersion: 1 })
      .lean<{ _id: unknown; outboxVersion?: number | null }[]>();
    for (const current of moved) {
      if ((current.outboxVersion ?? null) === version) continue;
      const doc = group.find((candidate) => String(candidate._id) === String(current._id))!;
      if (doc.outbox.length > 0) await model.updateOne({ _id: doc._id }, { $pullAll: { outbox: doc.outbox } }, { timestamps: false });
    }
  }
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { models, publisher, logger, pollIntervalMs = 1000, batchSize = 500, publishTimeoutMs = 15_000, maxBackoffMs = BROKER_RETRY_MAX_MS } = options;
  const { catalogue = defaultCatalogue, maxMessageBytes = 1_000_000 } = options;
  let timer: NodeJS.Timeout | undefined;
  let unregister: (() => void) | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  /** Models written to since the last drain began, or all of them (the poll, a flush). */
  const woken = new Set<Model<any>>();
  let wokenAll = true;
  let failures = 0;
  let retryAt = 0;

  const publish = (events: Envelope[]) => withTimeout(publisher.publish(events), publishTimeoutMs, 'publishing outbox events');

  /** What the catalogue and the size limit refuse, before anything is sent. */
  function screen(docs: PendingDoc[]): { outgoing: Outgoing[]; refused: Refused[] } {
    const outgoing: Outgoing[] = [];
    const refused: Refused[] = [];
    for (const doc of docs) {
      for (const raw of doc.outbox) {
        try {
          const event = catalogue.check(raw);
          const bytes = Buffer.byteLength(toMessage(event).value as string);
          if (bytes > maxMessageBytes) refused.push({ doc, event: raw, reason: `message too large: ${bytes} bytes (limit ${maxMessageBytes})` });
          else outgoing.push({ doc, event });
        } catch (error) {
          refused.push({ doc, event: raw, reason: errorMessage(error) });
        }
      }
    }
    return { outgoing, refused };
  }

  /**
   * One produce request for the batch (kafkajs does not batch across calls). When the broker
   * refuses what was sent, each event is tried alone to find the ones it refuses; a transient
   * failure (broker down, timeout) throws and the whole batch stays for the next round.
   */
  async function publishOrSort(outgoing: Outgoing[]): Promise<Refused[]> {
    if (outgoing.length === 0) return [];
    try {
      await publish(outgoing.map(({ event }) => event));
      return [];
    } catch (error) {
      if (!isPermanentPublishError(error)) throw error;
    }
    const refused: Refused[] = [];
    for (const item of outgoing) {
      try {
        await publish([item.event]);
      } catch (error) {
        if (!isPermanentPublishError(error)) throw error;
        refused.push({ ...item, reason: `refused by the broker: ${errorMessage(error)}` });
      }
    }
    return refused;
  }

  async function park(model: Model<any>, refused: Refused[]): Promise<void> {
    if (refused.length === 0) return;
    const at = new Date();
    const records: ParkedEvent[] = refused.map(({ doc, event, reason }) => {
      const { id, tenantId } = (event ?? {}) as { id?: unknown; tenantId?: unknown };
      return {
        _id: `${model.collection.collectionName}:${String(doc._id)}:${typeof id === 'string' ? id : doc.outbox.indexOf(event)}`,
        tenantId: typeof tenantId === 'string' ? tenantId : (doc.tenantId ?? 'unknown'),
        model: model.collection.collectionName,
        event,
        reason,
        at,
        day: dayOf(at),
      };
    });
    // Parked again after a crash before the outbox was cleared: the same ids, nothing new.
    await ParkedEventModel.insertMany(records, { ordered: false }).catch((error) => {
      if (!isDuplicateKey(error)) throw error;
    });
    for (const record of records) logger.error({ model: record.model, tenantId: record.tenantId, parkedId: record._id, reason: record.reason }, 'outbox event parked: it cannot be published');
  }

  async function drainModel(model: Model<any>): Promise<number> {
    let sent = 0;
    for (;;) {
      // An equality on the indexed mark: no scan, however many documents the collection holds.
      const docs = await model.find(PENDING, { _id: 1, tenantId: 1, outbox: 1, outboxVersion: 1 }).limit(batchSize).lean<PendingDoc[]>();
      if (docs.length === 0) return sent;
      const { outgoing, refused } = screen(docs);
      const refusedByBroker = await publishOrSort(outgoing);
      await park(model, [...refused, ...refusedByBroker]);
      const notSent = new Set(refusedByBroker.map(({ event }) => event));
      const published = outgoing.map(({ event }) => event).filter((event) => !notSent.has(event));
      await options.afterPublish?.(published);
      await markSent(model, docs);
      sent += published.length;
      if (docs.length < batchSize) return sent;
    }
  }

  /**
   * Drains the models written to, and every model when the poll (or a flush) asked. A model
   * written to meanwhile goes next, before the rest of the poll's models: a write's events wait
   * for at most one drain of another model, not for the look at every collection (contacts has
   * nine).
   */
  async function drainWoken(): Promise<number> {
    let total = 0;
    const polled = new Set<Model<any>>();
    const next = (): Model<any> | undefined => {
      const model = woken.values().next().value ?? polled.values().next().value;
      if (model) {
        woken.delete(model);
        polled.delete(model);
      }
      return model;
    };
    do {
      again = false;
      if (wokenAll) models.forEach((model) => polled.add(model));
      wokenAll = false;
      for (let model = next(); model; model = next()) total += await drainModel(model);
    } while (again || wokenAll);
    return total;
  }

  function flush(): Promise<number> {
    wokenAll = true;
    return drain();
  }

  function drain(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = drainWoken()
      .then((sent) => {
        if (failures > 0) logger.info({ sent, failures }, 'outbox relay recovered');
        failures = 0;
        retryAt = 0;
        return sent;
      })
      .finally(() => {
        running = undefined;
        // A kick that came after the last round's check would otherwise wait for the next poll.
        if (again) {
          again = false;
          schedule();
        }
      });
    return running;
  }

  function kick(model?: Model<any>): void {
    if (model) woken.add(model);
    else wokenAll = true;
    schedule();
  }

  function schedule(): void {
    // After a failure, wake-ups and polls wait for the back-off: a dead broker is not hammered.
    if (Date.now() < retryAt) return;
    drain().catch((error) => {
      // The next round looks at every model: what this one took stays on its documents.
      wokenAll = true;
      failures += 1;
      retryAt = Date.now() + Math.min(maxBackoffMs, pollIntervalMs * 2 ** (failures - 1));
      // Events stay on their documents; a later round retries. Log once per outage, not per round.
      if (failures === 1) logger.warn({ err: error }, 'outbox relay could not publish; backing off and retrying');
    });
  }

  return {
    kick,
    flush,
    get healthy() {
      return failures === 0;
    },
    start() {
      unregister ??= wakeOnWrites(models, { kick });
      timer ??= setInterval(() => kick(), pollIntervalMs);
      kick();
    },
    async stop() {
      unregister?.();
      unregister = undefined;
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
