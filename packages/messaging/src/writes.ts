import type { Envelope } from '@crm/events';
import mongoose, { type Model, type QueryFilter, type UpdateQuery } from 'mongoose';
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

/**
 * A new document as `new model(fields)` would store it, without building one: cast (a value of the
 * wrong type throws mongoose's ValidationError), defaults and timestamps applied, and every path
 * the schema requires checked. A hydrated document and its validation cost about three times as
 * much, most of a bulk import's CPU in the service. Its fields come from validated input
 * (the zod schemas of the create path); a top-level null is kept as null, as a document keeps it.
 */
function newPlainDocument<T>(model: Model<T>, fields: object): T {
  const plain = model.castObject(fields) as Record<string, unknown>; // castObject leaves nulls out
  for (const [path, value] of Object.entries(fields)) if (value === null && model.schema.path(path)) plain[path] = null;
  model.applyDefaults(plain);
  model.applyTimestamps(plain);
  const missing = missingRequired(model.schema, plain);
  if (missing.length > 0) {
    const error = new mongoose.Error.ValidationError();
    for (const path of missing) error.addError(path, new mongoose.Error.ValidatorError({ path, message: `Path \`${path}\` is required.`, type: 'required' }));
    throw error;
  }
  return plain as T;
}

const valueAt = (doc: Record<string, unknown>, path: string): unknown => path.split('.').reduce<unknown>((value, key) => (value == null ? value : (value as Record<string, unknown>)[key]), doc);

/** The required paths `doc` lacks, in its subdocuments too (`lines.1.sku`). */
function missingRequired(schema: mongoose.Schema, doc: Record<string, unknown>, prefix = ''): string[] {
  const missing = schema.requiredPaths().filter((path) => valueAt(doc, path) == null).map((path) => prefix + path);
  schema.eachPath((path, type) => {
    const value = valueAt(doc, path);
    const sub = (type as { schema?: mongoose.Schema }).schema;
    if (!sub || value == null) return;
    if (Array.isArray(value)) value.forEach((item, index) => item && missing.push(...missingRequired(sub, item as Record<string, unknown>, `${prefix}${path}.${index}.`)));
    else if (typeof value === 'object') missing.push(...missingRequired(sub, value as Record<string, unknown>, `${prefix}${path}.`));
  });
  return missing;
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
  const prepared = docs.map(({ fields, events }) => {
    const plain = newPlainDocument(model, fields);
    const outbox = events.map((event) => (typeof event === 'function' ? event(plain) : event));
    return { ...(plain as object), outbox, outboxPending: outbox.length > 0, outboxVersion: outbox.length > 0 ? 1 : 0 };
  });
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
