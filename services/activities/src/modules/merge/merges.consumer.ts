import { CompaniesMerged, ContactsMerged } from '@crm/events';
import { on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import type { Types } from 'mongoose';
import { ActivityModel } from '../activity/activity.model';

/** Activities repointed per write, and rounds of them before the handler fails (and is retried): 100,000. */
const BATCH = 500;
const MAX_ROUNDS = 200;

/** A merged company's activities now concern the primary: batches of updateMany conditional on the old id (replays find nothing). */
async function repointCompany(tenantId: string, primaryId: string, mergedIds: string[]): Promise<void> {
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const activities = await ActivityModel.find({ tenantId, companyId: { $in: mergedIds } }, { _id: 1 }).limit(BATCH).lean<{ _id: Types.ObjectId }[]>();
    if (activities.length === 0) return;
    await ActivityModel.updateMany({ tenantId, _id: { $in: activities.map((activity) => activity._id) }, companyId: { $in: mergedIds } }, { $set: { companyId: primaryId }, $inc: { revision: 1 } });
  }
  throw new Error(`activities of companies ${mergedIds.join(', ')} still to repoint after ${MAX_ROUNDS} rounds`);
}

/**
 * A merged person's activities now concern the primary, named once. Each activity is written
 * conditionally on the version read (updatedAt): a concurrent edit is read again, not lost.
 */
async function repointContacts(tenantId: string, primaryId: string, mergedIds: string[]): Promise<void> {
  const merged = new Set(mergedIds);
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const activities = await ActivityModel.find({ tenantId, contactIds: { $in: mergedIds } }, { contactIds: 1, updatedAt: 1 })
      .limit(BATCH)
      .lean<{ _id: Types.ObjectId; contactIds: string[]; updatedAt: Date }[]>();
    if (activities.length === 0) return;
    for (const activity of activities) {
      const contactIds = [...new Set(activity.contactIds.map((id) => (merged.has(id) ? primaryId : id)))];
      await ActivityModel.updateOne({ _id: activity._id, tenantId, updatedAt: activity.updatedAt }, { $set: { contactIds }, $inc: { revision: 1 } });
    }
  }
  throw new Error(`activities of contacts ${mergedIds.join(', ')} still to repoint after ${MAX_ROUNDS} rounds`);
}

/** Activities learn of merges in the contacts service and repoint their references (tenant-scoped by the event). */
export const mergesConsumer: ConsumerSpec = {
  groupId: 'activities.merges',
  handlers: [
    on(CompaniesMerged, ({ primaryId, mergedIds }, event) => repointCompany(event.tenantId, primaryId, mergedIds)),
    on(ContactsMerged, ({ primaryId, mergedIds }, event) => repointContacts(event.tenantId, primaryId, mergedIds)),
  ],
};
