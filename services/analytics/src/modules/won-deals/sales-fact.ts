import type { Contribution } from '../fact-counters/counted-fact';
import { monthOf, dayOf } from '../fact-counters/periods';
import type { SalesFactState } from './sales-fact.model';

/** Counter kinds moved by deals. */
export const COMPANY_REVENUE = 'company-revenue';
export const USER_RESULTS = 'user-results';

/** The field of a won amount in a currency (`won_EUR`): currencies are summed apart and converted when read. */
export const wonField = (currency: string) => `won_${currency}`;
export const paidField = (currency: string) => `paid_${currency}`;

/**
 * A won deal adds its amount to its company's month (ABC analysis) and to its owner's day,
 * within the owner's team (manager activity). Anything else adds nothing.
 */
export function salesContributions(fact: SalesFactState): Contribution[] {
  if (fact.status !== 'WON' || !fact.wonAt) return [];
  const wonAt = new Date(fact.wonAt);
  return [
    { counter: { kind: COMPANY_REVENUE, subject: fact.companyId, period: monthOf(wonAt) }, field: wonField(fact.currency), value: fact.amount },
    { counter: { kind: USER_RESULTS, subject: fact.ownerId, group: fact.teamId, period: dayOf(wonAt) }, field: wonField(fact.currency), value: fact.amount },
    { counter: { kind: USER_RESULTS, subject: fact.ownerId, group: fact.teamId, period: dayOf(wonAt) }, field: 'dealsWon', value: 1 },
  ];
}
