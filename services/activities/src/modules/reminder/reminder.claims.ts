import type { Logger } from '@crm/service-kit';
import { ActivityModel, type ActivityDoc } from '../activity/activity.model';
import { ReminderModel } from './reminder.model';
import { wantedClaims } from './reminder.rules';

type Claimed = Pick<ActivityDoc, '_id' | 'tenantId' | 'status' | 'reminders' | 'startAt' | 'dueAt' | 'endAt' | 'claimsVersion'>;

/**
 * The mark of an activity about to be inserted: set only when it wants claims. A new activity has
 * none yet, so one that wants none has nothing to write, and no sync follows its insert.
 */
export const insertMark = (activity: Claimed): Pick<ActivityDoc, 'claimsPending'> => ({ claimsPending: wantedClaims(activity).length > 0 });

/**
 * Marks, in the same single-document write as the change, that the activity's claims must follow
 * it (ActivityDoc.claimsPending); an insert is marked by the model's default.
 */
export function withClaimsMark<U extends { $set?: object; $inc?: object }>(update: U): U {
  return { ...update, $set: { ...update.$set, claimsPending: true }, $inc: { ...update.$inc, claimsVersion: 1 } };
}

/**
 * Brings an activity's claims in line with it as written at its `claimsVersion` (v), then clears
 * its mark if no write came since; answers whether it did. Any number of runs may overlap, for
 * the same version or older ones (a request, a redelivered event, the scheduler's sweep):
 * - the claims it wants are upserted by deterministic id and stamped with v (`$max`), so a retry
 *   writes each once;
 * - pending claims it no longer wants go only when no version from v on wanted them, so a late
 *   run for an old version never removes what a newer one wrote (stale claims it upserts are
 *   removed by the next sync, or dropped by the scheduler when due);
 * - the mark is cleared conditionally on v: after a newer write it stays for that write's sync.
 * Sent claims stay as the record of what was published.
 */
export async function syncReminders(activity: Claimed): Promise<boolean> {
  const tenantId = activity.tenantId;
  const activityId = activity._id.toString();
  const version = activity.claimsVersion ?? 0;
  const wanted = wantedClaims(activity);
  if (wanted.length > 0) {
    await ReminderModel.bulkWrite(
      wanted.map((claim) => ({
        updateOne: {
          filter: { _id: claim._id },
          update: { $setOnInsert: { ...claim, tenantId, activityId, status: 'PENDING', sentAt: null }, $max: { claimsVersion: version } },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }
  await ReminderModel.deleteMany({
    tenantId,
    activityId,
    status: 'PENDING',
    _id: { $nin: wanted.map((claim) => claim._id) },
    claimsVersion: { $not: { $gte: version } },
  });
  // Not a change of the activity: updatedAt (a version for the merges consumer) stays.
  const cleared = await ActivityModel.updateOne(
    { _id: activity._id, tenantId, claimsVersion: activity.claimsVersion ?? null },
    { $set: { claimsPending: false } },
    { timestamps: false },
  );
  return cleared.matchedCount > 0;
}

/**
 * After a write that marked the activity: its claims at once. A failure is logged, not thrown:
 * the write is done (a client told otherwise would make it again), and its mark stays for the
 * scheduler's sweep.
 */
export async function claimsFollow(activity: Claimed, logger: Logger): Promise<void> {
  try {
    await syncReminders(activity);
  } catch (error) {
    logger.warn({ err: error, tenantId: activity.tenantId, activityId: activity._id.toString() }, 'reminder claims left to the sweep');
  }
}
