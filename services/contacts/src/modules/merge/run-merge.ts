import type { Envelope } from '@crm/events';
import { isDuplicateKey, sleep, updateWithEvents } from '@crm/messaging';
import { badInput, conflict, notFound, requireId, type Logger } from '@crm/service-kit';
import type { Model } from 'mongoose';
import type { MatchEntity } from '../duplicate/match-keys';
import { mergeJournalId, MergeJournalModel } from './merge-journal.model';
import { moveClaims } from './unique-claims';

/** At most this many records (the primary included) per merge: each merged record costs steps and events. */
export const MAX_MERGE_IDS = 10;
/** How long a merge waits for the merged records' last events to leave their outbox before removing them. */
const OUTBOX_DRAIN_MS = 5_000;
/** Conditional writes of the primary retried after a concurrent edit, then CONFLICT. */
const PRIMARY_ATTEMPTS = 3;

export interface MergeCause {
  tenantId: string;
  userId?: string;
  correlationId?: string;
  logger?: Logger;
}

interface MergeableDoc {
  _id: { toString(): string };
  tenantId: string;
  mergedIds: string[];
  /** What every write of the record is conditional on and raises (company.write.ts, contact.write.ts). */
  revision?: number | null;
}

/** What differs between merging companies and merging contact persons. */
export interface MergeKind<T extends MergeableDoc> {
  entity: MatchEntity;
  model: Model<T>;
  /** The fields written on the primary. */
  fields(primary: T, others: T[]): Record<string, unknown>;
  /**
   * The fields that follow from the merged record (a company's completeness), written with them as
   * every write of the record derives them; read after the primary, as changeCompany reads its rules.
   */
  derived?(tenantId: string, merged: T): Promise<Record<string, unknown>>;
  /** Unique-key claim ids the merged records hold (see unique-claims.ts). */
  claims(tenantId: string, others: T[]): string[];
  /** Repoints the service's own references to the merged records (idempotent, bounded batches). */
  moveReferences(cause: MergeCause, primary: T, others: T[]): Promise<void>;
  /** The events written with the primary's update: the merge event and the changes. */
  events(cause: MergeCause, primary: T, fields: Record<string, unknown>, mergedNow: string[]): Envelope[];
}

/** What the primary takes from `others`: the merged fields and those derived from them. */
async function mergedFields<T extends MergeableDoc>(kind: MergeKind<T>, tenantId: string, primary: T, others: T[]): Promise<Record<string, unknown>> {
  const fields = kind.fields(primary, others);
  return { ...fields, ...(await kind.derived?.(tenantId, { ...primary, ...fields })) };
}

export interface MergeRequest {
  ids: readonly string[];
  primaryId: string;
  dryRun?: boolean | null;
}

/** The other ids, after the checks on the request itself (BAD_USER_INPUT). */
function checkRequest({ ids, primaryId }: MergeRequest): string[] {
  if (ids.length < 2 || ids.length > MAX_MERGE_IDS) throw badInput(`ids must name 2 to ${MAX_MERGE_IDS} records, the primary included`, 'ids');
  ids.forEach((id, i) => requireId(id, `ids.${i}`));
  requireId(primaryId, 'primaryId');
  if (new Set(ids).size !== ids.length) throw badInput('ids must not repeat an id', 'ids');
  if (!ids.includes(primaryId)) throw badInput('primaryId must be one of ids', 'primaryId');
  return ids.filter((id) => id !== primaryId);
}

const idOf = (doc: MergeableDoc) => doc._id.toString();

/**
 * Merges records into the primary as a sequence of idempotent steps, without transactions:
 *  1. the journal entry (what a resumption finds);
 *  2. the service's own references to the merged records move to the primary;
 *  3. their unique-key claims move to the primary;
 *  4. the primary takes the merged fields and `mergedIds`, with the merge event, in one atomic
 *     write (skipped for records already in its `mergedIds`: the step was done);
 *  5. the merged records are removed, once their outbox is empty (no event of theirs lost);
 *  6. the journal entry is closed.
 * Run again (same call, or at start-up from the journal) it converges: ids already merged into
 * the primary are no longer NOT_FOUND but done. A dry run computes the primary as step 4 would
 * write it and writes nothing at all.
 */
export async function runMerge<T extends MergeableDoc>(kind: MergeKind<T>, cause: MergeCause, request: MergeRequest): Promise<T> {
  const otherIds = checkRequest(request);
  const { tenantId } = cause;
  const model = kind.model as Model<any>;
  const primary = await model.findOne({ _id: request.primaryId, tenantId }).lean<T>();
  if (!primary) throw notFound(kind.entity, request.primaryId);
  // In the order given: the earlier ones fill the primary's gaps first.
  const others = (await model.find({ tenantId, _id: { $in: otherIds } }).lean<T[]>()).sort((a, b) => otherIds.indexOf(idOf(a)) - otherIds.indexOf(idOf(b)));
  const found = new Set(others.map(idOf));
  const missing = otherIds.find((id) => !found.has(id) && !primary.mergedIds.includes(id));
  if (missing) throw notFound(kind.entity, missing);

  if (request.dryRun) return { ...primary, ...(await mergedFields(kind, tenantId, primary, others.filter((other) => !primary.mergedIds.includes(idOf(other))))) };
  if (others.length === 0) {
    await closeJournal(tenantId, kind.entity, request.primaryId, otherIds);
    return primary;
  }
  const journalId = mergeJournalId(tenantId, kind.entity, request.primaryId, otherIds);
  await MergeJournalModel.updateOne(
    { _id: journalId },
    { $setOnInsert: { tenantId, entity: kind.entity, primaryId: request.primaryId, mergedIds: otherIds, actorId: cause.userId, correlationId: cause.correlationId, pending: true, startedAt: new Date() } },
    { upsert: true },
  ).catch((error: unknown) => {
    if (!isDuplicateKey(error)) throw error; // the same merge started concurrently: both converge
  });

  await kind.moveReferences(cause, primary, others);
  await moveClaims(tenantId, kind.claims(tenantId, others), others.map(idOf), request.primaryId);
  const merged = await updatePrimary(kind, cause, primary, others);
  if (!(await removeMerged(model, tenantId, others.map(idOf)))) {
    cause.logger?.warn({ journalId }, 'merge: merged records still hold unsent events; removed when the merge resumes');
    return merged;
  }
  await MergeJournalModel.updateOne({ _id: journalId, tenantId }, { $set: { pending: false, finishedAt: new Date() } });
  return merged;
}

/**
 * Step 4, conditional on the revision read and raising it, as every write of the record: a
 * concurrent edit of the primary is merged again, not lost; and an edit that read the primary
 * before the merge fails its own revision check and is retried on the merged record, instead of
 * writing back the channels and lists the merge brought in (whose records are then gone).
 */
async function updatePrimary<T extends MergeableDoc>(kind: MergeKind<T>, cause: MergeCause, read: T, others: T[]): Promise<T> {
  let primary: T | null = read;
  for (let attempt = 1; primary; attempt += 1) {
    const mergedNow = others.filter((other) => !primary!.mergedIds.includes(idOf(other)));
    if (mergedNow.length === 0) return primary;
    const fields = await mergedFields(kind, cause.tenantId, primary, mergedNow);
    const events = kind.events(cause, primary, fields, mergedNow.map(idOf));
    const filter = { _id: primary._id, tenantId: cause.tenantId, revision: primary.revision ?? null };
    const updated = await updateWithEvents(kind.model as Model<any>, filter, { $set: fields, $inc: { revision: 1 } }, ...events);
    if (updated) return updated as T;
    if (attempt >= PRIMARY_ATTEMPTS) break;
    primary = await (kind.model as Model<any>).findOne({ _id: read._id, tenantId: cause.tenantId }).lean<T>();
  }
  if (!primary) throw notFound(kind.entity, idOf(read));
  throw conflict(`${kind.entity} ${idOf(read)} kept changing during the merge; try again`, { existingId: idOf(read) });
}

/**
 * Step 5: removes the merged records whose outbox is empty, waiting a moment for the relay to
 * send the rest. Records still holding events then (the broker is down) stay, with the journal
 * open: the next call or the next start finishes the merge.
 */
async function removeMerged(model: Model<any>, tenantId: string, ids: string[]): Promise<boolean> {
  for (const until = Date.now() + OUTBOX_DRAIN_MS; ; await sleep(100)) {
    await model.deleteMany({ tenantId, _id: { $in: ids }, outboxPending: { $ne: true } });
    if ((await model.countDocuments({ tenantId, _id: { $in: ids } })) === 0) return true;
    if (Date.now() > until) return false;
  }
}

async function closeJournal(tenantId: string, entity: MatchEntity, primaryId: string, otherIds: string[]): Promise<void> {
  await MergeJournalModel.updateOne({ _id: mergeJournalId(tenantId, entity, primaryId, otherIds), tenantId, pending: true }, { $set: { pending: false, finishedAt: new Date() } });
}
