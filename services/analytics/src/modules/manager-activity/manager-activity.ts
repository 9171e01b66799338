import { badInput } from '@crm/service-kit';
import { USER_ACTIVITY } from '../activity-facts/activity-fact.contributions';
import { CounterModel, type CounterDoc } from '../fact-counters/counter.model';
import { daysBetween } from '../fact-counters/periods';
import { amountsOf, convertAll, type MoneyTotal } from '../money/money.math';
import { ratesOf } from '../money/money.service';
import { USER_RESULTS } from '../won-deals/sales-fact';

/** The longest period one request reads: its days are one $in of the counters. */
export const MAX_DAYS = 366;

export interface ActivityFigures {
  calls: number;
  meetings: number;
  tasksDone: number;
  tasksOverdue: number;
  dealsWon: number;
  revenue: MoneyTotal;
}

export interface ManagerFigures extends ActivityFigures {
  userId: string;
}

export interface ManagerActivityView {
  from: Date;
  to: Date;
  teamId: string | null;
  managers: ManagerFigures[];
  team: ActivityFigures;
}

interface Sums {
  counts: Record<'calls' | 'meetings' | 'tasksDone' | 'tasksOverdue' | 'dealsWon', number>;
  /** Won amounts per currency. */
  won: Record<string, number>;
}

const emptySums = (): Sums => ({ counts: { calls: 0, meetings: 0, tasksDone: 0, tasksOverdue: 0, dealsWon: 0 }, won: {} });

/** Adds one counter's values (activity or results) into the sums. */
export function addCounter(sums: Sums, values: Record<string, number>): Sums {
  for (const [field, value] of Object.entries(values)) {
    if (typeof value !== 'number') continue;
    if (field.startsWith('won_')) sums.won[field.slice(4)] = (sums.won[field.slice(4)] ?? 0) + value;
    else if (field in sums.counts) sums.counts[field as keyof Sums['counts']] += value;
  }
  return sums;
}

/**
 * Per manager and for the team (or the whole tenant without a team): activities done and
 * overdue and deals won, per UTC day, from the per-(user, day) counters of [from, to) (whole
 * days: a partial day counts whole). The team is the one the activity or deal was recorded with.
 */
export async function managerActivity(tenantId: string, from: Date, to: Date, teamId: string | null): Promise<ManagerActivityView> {
  if (from >= to) throw badInput('from must be before to', 'to');
  const days = daysBetween(from, to, MAX_DAYS);
  if (days.length > MAX_DAYS) throw badInput(`the period may span at most ${MAX_DAYS} days`, 'to');
  const kinds = { $in: [USER_ACTIVITY, USER_RESULTS] };
  const filter = teamId === null ? { tenantId, kind: kinds, period: { $in: days } } : { tenantId, kind: kinds, group: teamId, period: { $in: days } };
  const [counters, rates] = await Promise.all([CounterModel.find(filter, { subject: 1, values: 1 }).lean<Pick<CounterDoc, 'subject' | 'values'>[]>(), ratesOf(tenantId)]);
  const byUser = new Map<string, Sums>();
  const team = emptySums();
  for (const counter of counters) {
    addCounter(byUser.get(counter.subject) ?? byUser.set(counter.subject, emptySums()).get(counter.subject)!, counter.values ?? {});
    addCounter(team, counter.values ?? {});
  }
  const figures = (sums: Sums): ActivityFigures => ({ ...sums.counts, revenue: convertAll(rates, amountsOf(sums.won)) });
  const managers = [...byUser]
    .map(([userId, sums]) => ({ userId, ...figures(sums) }))
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  return { from, to, teamId, managers, team: figures(team) };
}
