import { CompanyAssigned, CompanyUpdated, createEvent, eventMeta } from '@crm/events';
import { updateWithEvents } from '@crm/messaging';
import { conflict } from '@crm/service-kit';
import type { ContactsContext } from '../../context';
import { companyFields } from '../company-list/company-fields';
import { CompanyModel, type CompanyDoc } from '../company/company.model';
import { compileFilter } from '../list-filter/compile-filter';
import { allOf, type StoreFilter } from '../list-filter/store-filter';
import { SegmentAssignmentModel, type SegmentAssignmentDoc } from './segment-assignment.model';
import type { SegmentDoc } from './segment.model';

/** Companies read and written per batch: bounds memory and the work lost to a crash. */
export const ASSIGN_BATCH = 100;
/** How long a runner holds a job without renewing (each batch renews it). */
const LEASE_MS = 60_000;
/** Tries per company when its owner changes under us. */
const ATTEMPTS = 3;

const lease = () => new Date(Date.now() + LEASE_MS);

/**
 * Gives every company of the segment to `ownerId`. Starts a job, or resumes the unfinished job of
 * the same segment and owner; holds its lease while it runs (a second caller gets CONFLICT).
 * `assignable`: the caller's row filters for changing and assigning companies; this run reads and
 * writes only companies they match (a job resumed by someone else goes on within their scope, not
 * the starter's).
 */
export async function assignSegment(segment: SegmentDoc, ownerId: string, ctx: ContactsContext, assignable: StoreFilter): Promise<SegmentAssignmentDoc> {
  const { tenantId } = ctx;
  const open = await SegmentAssignmentModel.findOne({ tenantId, segmentId: segment._id, ownerId, status: 'RUNNING' }).lean<SegmentAssignmentDoc>().exec();
  const job = open ?? (await SegmentAssignmentModel.create({ tenantId, segmentId: segment._id, ownerId, filter: segment.filter, status: 'RUNNING', startedBy: ctx.userId })).toObject();
  const now = new Date();
  const claimed = await SegmentAssignmentModel.findOneAndUpdate(
    { _id: job._id, tenantId, status: 'RUNNING', $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] },
    { $set: { leaseUntil: lease() } },
    { returnDocument: 'after' },
  )
    .lean<SegmentAssignmentDoc>()
    .exec();
  if (!claimed) throw conflict('this segment is being assigned to this owner right now', { existingId: job._id.toString() });
  return run(claimed, ctx, assignable);
}

async function run(job: SegmentAssignmentDoc, ctx: ContactsContext, assignable: StoreFilter): Promise<SegmentAssignmentDoc> {
  const { tenantId } = ctx;
  // The segment's companies as far as the caller may assign them: also the condition of each write (assignOne).
  const filter = allOf([compileFilter(job.filter, companyFields), assignable]);
  // A batch cut short by a crash is finished first, from the owners recorded before it started.
  let current = job.pending.length > 0 ? await finishBatch(job, filter, ctx) : job;
  for (;;) {
    const batch = await CompanyModel.find(allOf([{ tenantId }, filter, current.lastId ? { _id: { $gt: current.lastId } } : {}]))
      .sort({ _id: 1 })
      .limit(ASSIGN_BATCH)
      .select({ ownerId: 1 })
      .lean<Pick<CompanyDoc, '_id' | 'ownerId'>[]>()
      .exec();
    if (batch.length === 0) break;
    const pending = batch.map((company) => ({ companyId: company._id, previousOwnerId: company.ownerId ?? null }));
    current = (await SegmentAssignmentModel.findOneAndUpdate({ _id: job._id, tenantId }, { $set: { pending, leaseUntil: lease() } }, { returnDocument: 'after' }).lean<SegmentAssignmentDoc>().exec())!;
    current = await finishBatch(current, filter, ctx);
    if (batch.length < ASSIGN_BATCH) break;
  }
  const done = await SegmentAssignmentModel.findOneAndUpdate(
    { _id: job._id, tenantId },
    { $set: { status: 'DONE', finishedAt: new Date(), leaseUntil: null } },
    { returnDocument: 'after' },
  )
    .lean<SegmentAssignmentDoc>()
    .exec();
  return done!;
}

/** Assigns the pending batch, then records its counts and moves `lastId` past it. */
async function finishBatch(job: SegmentAssignmentDoc, filter: StoreFilter, ctx: ContactsContext): Promise<SegmentAssignmentDoc> {
  let assigned = 0;
  for (const company of job.pending) if (await assignOne(job, company.companyId.toString(), company.previousOwnerId ?? null, filter, ctx)) assigned += 1;
  const updated = await SegmentAssignmentModel.findOneAndUpdate(
    { _id: job._id, tenantId: ctx.tenantId },
    { $set: { pending: [], lastId: job.pending.at(-1)!.companyId, leaseUntil: lease() }, $inc: { matched: job.pending.length, assigned, skipped: job.pending.length - assigned } },
    { returnDocument: 'after' },
  )
    .lean<SegmentAssignmentDoc>()
    .exec();
  return updated!;
}

/**
 * One company: a conditional update on the owner it had (and on the segment still matching),
 * with its CompanyAssigned event in the same write. Replays write nothing twice: once the
 * company is the owner's, the condition no longer holds. True when the company went to the owner.
 */
async function assignOne(job: SegmentAssignmentDoc, companyId: string, previousOwnerId: string | null, filter: StoreFilter, ctx: ContactsContext): Promise<boolean> {
  if (previousOwnerId === job.ownerId) return false;
  const segmentId = job.segmentId.toString();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const now = await CompanyModel.findOne({ _id: companyId, tenantId: ctx.tenantId }).select({ ownerId: 1, name: 1, revision: 1 }).lean<Pick<CompanyDoc, 'ownerId' | 'name' | 'revision'>>().exec();
    // Gone (merged away), or the owner's already: assigned before a crash cut the batch short.
    if (!now) return false;
    if (now.ownerId === job.ownerId) return true;
    const from = now.ownerId ?? null;
    // CompanyUpdated records the change in the history (as every edit); CompanyAssigned tells who serves the client now.
    const events = [
      createEvent(CompanyAssigned, eventMeta(ctx, companyId), { companyId, ownerId: job.ownerId, previousOwnerId: from, segmentId }),
      createEvent(CompanyUpdated, eventMeta(ctx, companyId), { companyId, name: now.name, changes: [{ field: 'ownerId', from, to: job.ownerId }], reason: 'SEGMENT_ASSIGNMENT' }),
    ];
    // Conditional on the revision read, as every company write (company.write.ts), and on the segment still matching.
    const written = await updateWithEvents(
      CompanyModel,
      allOf([{ _id: companyId, tenantId: ctx.tenantId, revision: now.revision ?? null }, filter]),
      { $set: { ownerId: job.ownerId }, $inc: { revision: 1 } },
      ...events,
    );
    if (written) return true;
    const after = await CompanyModel.findOne({ _id: companyId, tenantId: ctx.tenantId }).select({ revision: 1 }).lean<Pick<CompanyDoc, 'revision'>>().exec();
    // Same revision: the condition failed on the segment, the company no longer matches.
    if (!after || (after.revision ?? null) === (now.revision ?? null)) return false;
  }
  return false;
}
