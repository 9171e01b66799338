import { ActivityReminderDue, createEvent, TaskOverdue, type Envelope } from '@crm/events';
import { updateWithEvents } from '@crm/messaging';
import { createPollingWorker, type BackgroundWorker, type Logger } from '@crm/service-kit';
import { isValidObjectId } from 'mongoose';
import { ActivityModel, type ActivityDoc } from '../activity/activity.model';
import { deadlineOf, startsAtOf } from '../activity/activity.rules';
import { sweepPendingClaims } from './claims.sweep';
import { ReminderModel, type ReminderDoc } from './reminder.model';
import { wantedClaims } from './reminder.rules';

export interface ReminderSchedulerOptions {
  logger: Logger;
  pollIntervalMs: number;
  batch: number;
}

function eventOf(claim: ReminderDoc, activity: ActivityDoc): Envelope {
  const meta = { tenantId: claim.tenantId, aggregateId: claim.activityId, correlationId: `reminder-${claim._id}` };
  const common = { activityId: claim.activityId, kind: activity.kind, subject: activity.subject, assigneeId: activity.assigneeId };
  if (claim.type === 'OVERDUE') {
    return createEvent(TaskOverdue, meta, {
      ...common,
      dueAt: deadlineOf(activity)!.toISOString(),
      dealId: activity.dealId ?? null,
      companyId: activity.companyId ?? null,
      teamId: activity.teamId ?? null,
    });
  }
  return createEvent(ActivityReminderDue, meta, {
    ...common,
    remindAt: claim.fireAt.toISOString(),
    startsAt: startsAtOf(activity)!.toISOString(),
    minutesBefore: claim.minutesBefore ?? 0,
  });
}

/**
 * Publishes each due claim once: the move PENDING → SENT is conditional and carries the event,
 * so when several instances (or one after a restart) pick the same claim, one write matches and
 * the others match nothing. A claim its activity no longer wants (changed, done, cancelled,
 * gone) is dropped instead.
 */
export async function publishDueReminders(batch: number, now = new Date(), logger?: Logger): Promise<number> {
  const due = await ReminderModel.find({ status: 'PENDING', fireAt: { $lte: now } }).sort({ fireAt: 1 }).limit(batch).lean<ReminderDoc[]>();
  let published = 0;
  for (const claim of due) {
    const activity = isValidObjectId(claim.activityId)
      ? await ActivityModel.findOne({ _id: claim.activityId, tenantId: claim.tenantId }).lean<ActivityDoc>()
      : null;
    const pending = { _id: claim._id, status: 'PENDING' as const };
    if (!activity || !wantedClaims(activity).some((wanted) => wanted._id === claim._id)) {
      // Only as read: a sync that stamped it meanwhile (a newer version wants it again) keeps it.
      await ReminderModel.updateOne({ ...pending, claimsVersion: claim.claimsVersion ?? null }, { $set: { status: 'DROPPED' } });
      continue;
    }
    let event: Envelope;
    try {
      event = eventOf(claim, activity);
    } catch (error) {
      // An event the contract refuses would fail every poll, ahead of every later claim of
      // every tenant (they come earliest first): it is set aside, with the reason.
      const failure = error instanceof Error ? error.message.slice(0, 500) : 'invalid event';
      logger?.error({ claimId: claim._id, tenantId: claim.tenantId, failure }, 'reminder claim set aside: its event is invalid');
      await ReminderModel.updateOne(pending, { $set: { status: 'FAILED', failure } });
      continue;
    }
    const sent = await updateWithEvents(ReminderModel, pending, { $set: { status: 'SENT', sentAt: now } }, event);
    if (sent) published += 1;
  }
  return published;
}

/**
 * One poll: first the claims of activities marked as ahead of them (so a claim a crash left
 * unwritten, due already, goes out in this same poll), then the due claims.
 */
export async function pollReminders(batch: number, logger?: Logger): Promise<number> {
  const synced = await sweepPendingClaims(batch, logger);
  const published = await publishDueReminders(batch, new Date(), logger);
  return Math.max(synced, published);
}

/** Polls every `pollIntervalMs`, at once again after a full batch of either kind (see createPollingWorker). */
export function createReminderScheduler({ logger, pollIntervalMs, batch }: ReminderSchedulerOptions): BackgroundWorker {
  return createPollingWorker({ what: 'reminder poll', logger, intervalMs: pollIntervalMs, batch, poll: () => pollReminders(batch, logger) });
}
