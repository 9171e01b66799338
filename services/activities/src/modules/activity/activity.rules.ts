import type { ActivityDoc } from './activity.model';

/** Lists are bounded: a deal or a user with more activities needs a dated window (a later issue). */
export const ACTIVITY_LIMIT = 200;

/** Latest due first; MongoDB (and FerretDB) sort missing and null dates after every date when descending. */
export const LATEST_DUE_FIRST = { dueAt: -1, _id: -1 } as const;

const DAY_MS = 24 * 60 * 60 * 1000;

export const isOverdue = (activity: Pick<ActivityDoc, 'status' | 'dueAt'>, now = new Date()): boolean =>
  activity.status === 'PLANNED' && activity.dueAt != null && activity.dueAt.getTime() < now.getTime();

export const stageTaskSubject = (stageName: string, dealTitle: string) => `Stage ${stageName}: ${dealTitle}`;

/** One day after the deal entered the stage, until stages carry their expected duration. */
export const stageTaskDueAt = (enteredAt: Date) => new Date(enteredAt.getTime() + DAY_MS);
