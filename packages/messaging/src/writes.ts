import type { Envelope } from '@crm/events';
import type { Model, QueryFilter, UpdateQuery } from 'mongoose';
import { withEvents } from './outbox';
import { isDuplicateKey } from './store-errors';

/**
 * The write seam: a state change and its events in one single-document atomic operation (the
 * events go into the document's own outbox), then the relays that serve the model in this
 * process are woken. Resolvers and consumer handlers write through these two functions only,
 * so none of them needs to know about the relay.
 */

const relays = new Map<Model<any>, Set<{ kick(model: Model<any>): void }>>();

/** A relay serving `models` asks to be woken after each write with events, told which model (see createOutboxRelay). */
export function wakeOnWrites(models: readonly Model<any>[], relay: { kick(model: Model<any>): void }): () => void {
  for (const model of models) relays.set(model, (relays.get(model) ?? new Set()).add(relay));
  return () => {
    for (const model of models) relays.get(model)?.delete(relay);
  };
}

const wake = (model: Model<any>) => relays.get(model)?.forEach((relay) => relay.kick(model));

/** An event, or one built from the new document (to name the id the insert gives it). */
export type EventOf<T> = Envelope | ((doc: T) => Envelope);

/** Inserts a document with its events; returns it as a plain object (as `lean` would). */
export async function insertWithEvents<T>(model: Model<T>, fields: Partial<T> | Record<string, unknown>, ...events: EventOf<T>[]): Promise<T> {
  const doc = new model(fields);
  const plain = doc.toObject() as T;
  if (events.length > 0) doc.set('outbox', events.map((event) => (typeof event === 'function' ? event(plain) : event)));
  await doc.save();
  if (events.length > 0) wake(model);
  return doc.toObject() as T;
}

/**
 * Updates the one document `filter` matches, with its events, and returns it as it is after the
 * update (plain object), or null when nothing matched (then nothing was written, no event either).
 */
export async function updateWithEvents<T>(model: Model<T>, filter: QueryFilter<T>, update: UpdateQuery<T>, ...events: Envelope[]): Promise<T | null> {
  const written = events.length > 0 ? withEvents(update as Record<string, any>, ...events) : update;
  const updated = await model.findOneAndUpdate(filter, written as UpdateQuery<T>, { returnDocument: 'after' }).lean<T>();
  if (updated && events.length > 0) wake(model);
  return updated as T | null;
}

/**
 * Inserts a document with its events unless a unique index already holds its key; answers
 * whether this call created it. So a first write that may run many times (two first requests
 * of one user, a retry) writes its events once. An insert refused as a duplicate rather than an
 * upsert of `$setOnInsert`: FerretDB 1.24 drops empty arrays and nulls from an upsert's
 * `$setOnInsert`, and the refusal costs only on the (rare) repeated call.
 */
export async function insertOnceWithEvents<T>(model: Model<T>, fields: Partial<T> | Record<string, unknown>, ...events: EventOf<T>[]): Promise<boolean> {
  try {
    await insertWithEvents(model, fields, ...events);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** One document of a bulk insert, with the events built from it. */
export interface NewDocWithEvents<T> {
  fields: Partial<T> | Record<string, unknown>;
  events: EventOf<T>[];
}

/** What a bulk insert did: documents are named by their position in the input. */
export interface InsertManyResult {
  inserted: number[];
  /** Positions refused by a unique index (code 11000): with deterministic ids, written before. */
  duplicates: number[];
}

/**
 * Inserts many new documents, each with its own events in its own outbox (each document is its
 * own atomic write, as with insertWithEvents), in one unordered bulk insert, then wakes the
 * relays. A document a unique index refuses is reported, not thrown: with deterministic `_id`s
 * a batch re-run after a crash inserts only what is missing. Any other failure is thrown.
 */
export async function insertManyWithEvents<T>(model: Model<T>, docs: NewDocWithEvents<T>[]): Promise<InsertManyResult> {
  if (docs.length === 0) return { inserted: [], duplicates: [] };
  const prepared = await Promise.all(
    docs.map(async ({ fields, events }) => {
      const doc = new model(fields);
      // validate(), not validateSync(): mongoose 9 writes a deprecation warning to stderr on every validateSync() call.
      await doc.validate();
      const plain = doc.toObject() as T;
      const outbox = events.map((event) => (typeof event === 'function' ? event(plain) : event));
      return { ...(plain as object), outbox, outboxPending: outbox.length > 0, outboxVersion: outbox.length > 0 ? 1 : 0 };
    }),
  );
  const duplicates: InsertManyResult['duplicates'] = [];
  try {
    // Already cast, defaulted and validated above: the driver's insert, without a second mongoose pass.
    await model.insertMany(prepared, { ordered: false, lean: true });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { index?: number }[] }).writeErrors;
    if (!writeErrors?.length || !isDuplicateKey(error)) throw error;
    for (const { index } of writeErrors) {
      if (typeof index !== 'number') throw error;
      duplicates.push(index);
    }
  }
  const refused = new Set(duplicates);
  const inserted = prepared.map((_doc, index) => index).filter((index) => !refused.has(index));
  if (inserted.length > 0) wake(model);
  return { inserted, duplicates };
}
