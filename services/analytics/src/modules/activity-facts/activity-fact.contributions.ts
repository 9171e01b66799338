import type { Contribution } from '../fact-counters/counted-fact';
import { dayOf } from '../fact-counters/periods';
import type { ActivityFactState } from './activity-fact.model';

/** Counter kinds moved by activities. */
export const USER_ACTIVITY = 'user-activity';
export const CAMPAIGN = 'campaign';

/** What a done activity counts as for its assignee: calls, meetings, tasks done. */
const doneField: Record<string, string> = { CALL: 'calls', MEETING: 'meetings', TASK: 'tasksDone' };

/**
 * Manager activity, per assignee and day, within the assignee's team: a done call, meeting or
 * task on the day it was done; an activity that went overdue on its due day (it stays overdue
 * when done late; a cancelled one is not counted). Campaigns, per campaign and day of the send:
 * a send (not cancelled) and a response.
 */
export function activityContributions(fact: ActivityFactState): Contribution[] {
  const contributions: Contribution[] = [];
  const user = (day: Date) => ({ kind: USER_ACTIVITY, subject: fact.assigneeId, group: fact.teamId, period: dayOf(new Date(day)) });
  const field = doneField[fact.kind];
  if (fact.status === 'DONE' && fact.completedAt && field) contributions.push({ counter: user(fact.completedAt), field, value: 1 });
  if (fact.status !== 'CANCELLED' && fact.overdueAt) contributions.push({ counter: user(fact.overdueAt), field: 'tasksOverdue', value: 1 });
  const sentAt = fact.createdAt ?? fact.completedAt;
  if (fact.campaignId && fact.status !== 'CANCELLED' && sentAt) {
    const campaign = { kind: CAMPAIGN, subject: fact.campaignId, period: dayOf(new Date(sentAt)) };
    contributions.push({ counter: campaign, field: 'sends', value: 1 });
    if (fact.status === 'DONE' && fact.response) contributions.push({ counter: campaign, field: 'responses', value: 1 });
  }
  return contributions;
}
