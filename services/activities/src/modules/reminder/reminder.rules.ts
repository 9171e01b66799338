import type { ActivityDoc } from '../activity/activity.model';
import { deadlineOf, startsAtOf } from '../activity/activity.rules';
import type { ReminderType } from './reminder.model';

const MINUTE_MS = 60_000;

export interface WantedClaim {
  _id: string;
  type: ReminderType;
  minutesBefore: number | null;
  fireAt: Date;
}

/** The time is part of the id: a rescheduled activity gets new claims, and one already sent stays sent. */
export const claimId = (activityId: string, type: ReminderType, minutesBefore: number | null, fireAt: Date) =>
  `${activityId}:${type === 'OVERDUE' ? 'overdue' : `r${minutesBefore}`}:${fireAt.getTime()}`;

type Timed = Pick<ActivityDoc, '_id' | 'status' | 'reminders' | 'startAt' | 'dueAt' | 'endAt'>;

/** The claims a planned activity needs: one per reminder, and one for the moment it becomes overdue. */
export function wantedClaims(activity: Timed): WantedClaim[] {
  if (activity.status !== 'PLANNED') return [];
  const id = activity._id.toString();
  const claims: WantedClaim[] = [];
  const startsAt = startsAtOf(activity);
  if (startsAt) {
    for (const minutes of activity.reminders ?? []) {
      const fireAt = new Date(startsAt.getTime() - minutes * MINUTE_MS);
      claims.push({ _id: claimId(id, 'REMINDER', minutes, fireAt), type: 'REMINDER', minutesBefore: minutes, fireAt });
    }
  }
  const deadline = deadlineOf(activity);
  if (deadline) claims.push({ _id: claimId(id, 'OVERDUE', null, deadline), type: 'OVERDUE', minutesBefore: null, fireAt: deadline });
  return claims;
}
