import type { Envelope } from '@crm/events';
import { Schema, type Model } from 'mongoose';

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

/** The relay's filter: an equality on the indexed mark. */
export const PENDING = { outboxPending: true };
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
