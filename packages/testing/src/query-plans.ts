import mongoose, { Types } from 'mongoose';

/**
 * Every filter a service sends to the store during a test file, explained by the store itself
 * at the end: a plan that scans a whole collection fails the file, and so does a look-up by ids
 * that searches another index than `_id`'s (`{tenantId, _id: {$in}}` led by tenantId reads the
 * whole tenant). FerretDB (patched SQLite backend) answers with SQLite's plan ("SEARCH t USING
 * INDEX ..." or "SCAN t"); MongoDB with its winning plan (IXSCAN / COLLSCAN). SQLite plans
 * without statistics, so the plan does not depend on how many documents the test happened to
 * write; an `_id: {$in}` list is explained at BATCH_IDS ids, whatever the recorded call held.
 */

/** A scan that is there on purpose, with the reason: matched on collection and filter keys. */
export interface AllowedScan {
  collection: string;
  /** The filter's top-level keys, sorted and joined with ",". */
  keys: string;
  why: string;
}

interface Recorded {
  collection: string;
  method: string;
  filter: Record<string, unknown>;
}

const FILTER_FIRST = new Set([
  'find', 'findOne', 'countDocuments', 'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany',
  'findOneAndUpdate', 'findOneAndReplace', 'findOneAndDelete',
]);

function filterOf(method: string, args: unknown[]): Record<string, unknown> | undefined {
  if (FILTER_FIRST.has(method)) return args[0] as Record<string, unknown>;
  if (method === 'distinct') return args[1] as Record<string, unknown>;
  if (method === 'aggregate') return (args[0] as Record<string, unknown>[] | undefined)?.[0]?.$match as Record<string, unknown> | undefined;
  return undefined;
}

/** The filter with its values replaced by their types: one explain per shape of query. */
const shapeOf = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (value && typeof value === 'object' && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k.startsWith('$') || typeof v === 'object' ? shapeOf(v) : typeof v]));
  }
  return typeof value;
};

export const filterKeys = (filter: Record<string, unknown>) => Object.keys(filter).sort().join(',');

export function recordStoreQueries() {
  const seen = new Map<string, Recorded>();
  const record = (collection: string, method: string, ...args: unknown[]) => {
    const filter = filterOf(method, args);
    if (!filter || typeof filter !== 'object') return;
    const key = JSON.stringify([collection, shapeOf(filter)]);
    if (!seen.has(key)) seen.set(key, { collection, method, filter });
  };
  return {
    start: () => mongoose.set('debug', record),
    stop: () => mongoose.set('debug', false),
    recorded: () => [...seen.values()],
  };
}

/** Ids in a batched load (DataLoader, a page's references): SQLite's choice of index changes past a dozen. */
export const BATCH_IDS = 50;

/** An equality or `$in` on `_id`: a look-up the `_id` index serves. */
export function looksUpIds(filter: Record<string, unknown>): boolean {
  const id = filter._id;
  if (id === undefined) return false;
  if (id === null || typeof id !== 'object' || (id as object).constructor !== Object) return true;
  const operators = Object.keys(id);
  return operators.length === 1 && (operators[0] === '$eq' || operators[0] === '$in');
}

/** The filter with an `_id: {$in}` list grown to BATCH_IDS ids of the same kind. */
function atBatchSize(filter: Record<string, unknown>): Record<string, unknown> {
  const ids = (filter._id as { $in?: unknown[] } | undefined)?.$in;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length >= BATCH_IDS) return filter;
  const [first] = ids;
  const more = Array.from({ length: BATCH_IDS - ids.length }, (_, i) => (first instanceof Types.ObjectId ? new Types.ObjectId() : typeof first === 'number' ? -1 - i : `${String(first)}~${i}`));
  return { ...filter, _id: { $in: [...ids, ...more] } };
}

/** Whether a plan searches the `_id` index: SQLite's `<table>__id_`, MongoDB's `_id_` (or its id fast paths). */
export const searchesIdIndex = (plan: string[]) => plan.some((line) => /USING (COVERING )?INDEX \S*__id_\b|"indexName":"_id_"|IDHACK|EXPRESS_IXSCAN/.test(line));

/** Plan lines of one filter, as the store gives them. */
async function explain(collection: string, filter: Record<string, unknown>): Promise<string[]> {
  const db = mongoose.connection.db!;
  const result = await db.command({ explain: { find: collection, filter: atBatchSize(filter) }, verbosity: 'queryPlanner' });
  const planner = result.queryPlanner ?? {};
  if (Array.isArray(planner.Plan)) return planner.Plan.map(String); // FerretDB on SQLite
  return [JSON.stringify(planner.winningPlan ?? planner)]; // MongoDB (or another backend)
}

/** SQLite's "SCAN t" (also "SCAN t USING INDEX i": a walk of a whole index), MongoDB's COLLSCAN. */
const scans = (plan: string[]) => plan.some((line) => /detail=SCAN\b|COLLSCAN/.test(line));

/** Explains every recorded filter; returns a readable line for each one that scans, or looks up ids through another index. */
export async function scanningQueries(recorded: Recorded[], allowed: AllowedScan[] = []): Promise<string[]> {
  const problems: string[] = [];
  for (const { collection, method, filter } of recorded) {
    if (allowed.some((scan) => scan.collection === collection && scan.keys === filterKeys(filter))) continue;
    const plan = await explain(collection, filter);
    if (scans(plan)) problems.push(`${collection}.${method}(${JSON.stringify(filter)}) scans: ${plan.join(' | ')}`);
    else if (looksUpIds(filter) && !searchesIdIndex(plan)) problems.push(`${collection}.${method}(${JSON.stringify(filter)}) looks up ids through another index than _id's: ${plan.join(' | ')}`);
  }
  return problems;
}

/** Indexes a model declares (mongoose `index`) that its collection in the store lacks. */
export async function missingIndexes(): Promise<string[]> {
  const missing: string[] = [];
  for (const model of Object.values(mongoose.models)) {
    const existing = await model.collection.listIndexes().toArray().catch(() => []);
    const keys = new Set(existing.map((index) => JSON.stringify(index.key)));
    for (const [fields] of model.schema.indexes()) {
      if (!keys.has(JSON.stringify(fields))) missing.push(`${model.collection.collectionName}: ${JSON.stringify(fields)}`);
    }
  }
  return missing;
}
