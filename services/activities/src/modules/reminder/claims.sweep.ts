import type { Logger } from '@crm/service-kit';
import { ActivityModel, type ActivityDoc } from '../activity/activity.model';
import { syncReminders } from './reminder.claims';

/** What a sync reads of an activity. */
const CLAIMED_FIELDS = { tenantId: 1, status: 1, reminders: 1, startAt: 1, dueAt: 1, endAt: 1, claimsVersion: 1 } as const;

/**
 * Brings the claims of up to `batch` marked activities in line with them: those a crash or a
 * store failure left behind their last write (and, harmlessly, those whose request is syncing
 * them right now: a sync may run any number of times). Answers how many marks it cleared; one
 * that fails again is logged and stays marked for the next poll.
 */
export async function sweepPendingClaims(batch: number, logger?: Logger): Promise<number> {
  // Across tenants, as the scheduler's poll: each activity is then synced under its own tenantId.
  const marked = await ActivityModel.find({ claimsPending: true }, CLAIMED_FIELDS).limit(batch).lean<ActivityDoc[]>();
  let cleared = 0;
  for (const activity of marked) {
    try {
      if (await syncReminders(activity)) cleared += 1;
    } catch (error) {
      logger?.warn({ err: error, tenantId: activity.tenantId, activityId: activity._id.toString() }, 'reminder claims still behind their activity');
    }
  }
  return cleared;
}
