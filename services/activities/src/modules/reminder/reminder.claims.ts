import type { ActivityDoc } from '../activity/activity.model';
import { ReminderModel } from './reminder.model';
import { wantedClaims } from './reminder.rules';

/**
 * Brings an activity's pending claims in line with it after a write: new times get claims
 * (upserts by deterministic id, so a retry or a concurrent sync writes each once), pending ones
 * it no longer has go; sent ones stay as the record of what was published.
 */
export async function syncReminders(activity: ActivityDoc): Promise<void> {
  const tenantId = activity.tenantId;
  const activityId = activity._id.toString();
  const wanted = wantedClaims(activity);
  await ReminderModel.deleteMany({ tenantId, activityId, status: 'PENDING', _id: { $nin: wanted.map((claim) => claim._id) } });
  if (wanted.length === 0) return;
  await ReminderModel.bulkWrite(
    wanted.map((claim) => ({
      updateOne: {
        filter: { _id: claim._id },
        update: { $setOnInsert: { ...claim, tenantId, activityId, status: 'PENDING', sentAt: null } },
        upsert: true,
      },
    })),
    { ordered: false },
  );
}
