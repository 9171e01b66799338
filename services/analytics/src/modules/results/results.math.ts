/** Pure: results from counters (`won`, `lost`, `amt.<cur>`, `lostAmt.<cur>`; lost reasons `n`, `amt.<cur>`). No I/O. */
import { NONE } from '../deal-facts/counter.model';
import { addAmounts, amountsOf, convertAll, type MoneyTotal, type Rates } from '../money/money.math';

export interface GroupTotals {
  key: string | null;
  won: number;
  lost: number;
  amounts: Record<string, number>;
}

type Counters = { value: string; c: Record<string, unknown> };

const num = (value: unknown) => (typeof value === 'number' ? value : 0);

/** Sums the month counters of each group value. */
export function totalsByGroup(docs: readonly Counters[]): GroupTotals[] {
  const groups = new Map<string, GroupTotals>();
  for (const { value, c } of docs) {
    const group = groups.get(value) ?? { key: value === NONE ? null : value, won: 0, lost: 0, amounts: {} };
    group.won += num(c.won);
    group.lost += num(c.lost);
    addAmounts(group.amounts, c.amt as Record<string, number> | undefined);
    groups.set(value, group);
  }
  // Emptied groups (every deal moved away) are left out.
  return [...groups.values()].filter((group) => group.won !== 0 || group.lost !== 0);
}

export const winRateOf = (won: number, lost: number): number | null => (won + lost === 0 ? null : won / (won + lost));

const byKey = (a: { key: string | null }, b: { key: string | null }) => (a.key ?? '').localeCompare(b.key ?? '');

export function winRateRows(groups: readonly GroupTotals[]) {
  return groups
    .map(({ key, won, lost }) => ({ key, won, lost, winRate: winRateOf(won, lost) }))
    .sort((a, b) => b.won + b.lost - (a.won + a.lost) || byKey(a, b));
}

export function revenueRows(groups: readonly GroupTotals[], rates: Rates): { key: string | null; deals: number; revenue: MoneyTotal }[] {
  return groups
    .filter((group) => group.won !== 0)
    .map(({ key, won, amounts }) => ({ key, deals: won, revenue: convertAll(rates, amountsOf(amounts)) }))
    .sort((a, b) => b.revenue.amount - a.revenue.amount || byKey(a, b));
}

export function lostReasonRows(docs: readonly Counters[], rates: Rates) {
  const reasons = new Map<string, { deals: number; amounts: Record<string, number> }>();
  for (const { value, c } of docs) {
    const reason = reasons.get(value) ?? { deals: 0, amounts: {} };
    reason.deals += num(c.n);
    addAmounts(reason.amounts, c.amt as Record<string, number> | undefined);
    reasons.set(value, reason);
  }
  const rows = [...reasons].filter(([, reason]) => reason.deals !== 0);
  const totalDeals = rows.reduce((sum, [, reason]) => sum + reason.deals, 0);
  return {
    totalDeals,
    rows: rows
      .map(([reason, { deals, amounts }]) => ({ reason, deals, share: deals / totalDeals, money: convertAll(rates, amountsOf(amounts)) }))
      .sort((a, b) => b.deals - a.deals || a.reason.localeCompare(b.reason)),
  };
}
