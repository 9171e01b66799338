import type { HasAccess } from '@crm/policy';
import { listSize } from '@crm/service-kit';
import { figuresScope } from '../../figures-scope';
import type { LostReasonRow, Resolvers, RevenueRow } from '../../generated/graphql';
import { CounterModel, type CounterDoc } from '../deal-facts/counter.model';
import { periodMonths } from '../deal-facts/months';
import { dealMoney } from '../money/deal-money';
import { addAmounts, amountsOf, convertAll } from '../money/money.math';
import { lostReasonRows, revenueRows, totalsByGroup, winRateOf, winRateRows } from './results.math';

/** The month counters of one dimension ('*' for all deals) over a period: an index range, bounded by its values × months. */
async function resultCounters(tenantId: string, kind: 'results' | 'lost', dim: string, from: unknown, to: unknown) {
  const months = periodMonths(from, to);
  return CounterModel.find({ tenantId, kind, dim, month: { $in: months } }, { value: 1, c: 1 }).lean<Pick<CounterDoc, 'value' | 'c'>[]>();
}

const size = (first: number | null | undefined) => listSize(first, { default: 100, max: 1000 });

/**
 * The groups the caller may see (figures-scope.ts): by OWNER the people of their analytics read
 * scope, by TEAM its teams; other groups (territory, industry, product, source) are no people
 * or teams, aggregates of the tenant like the total, and stay whole. Kept before `first` is applied.
 */
async function visibleGroups(ctx: HasAccess, groupBy: string | null | undefined): Promise<(row: { key: string | null }) => boolean> {
  const scope = await figuresScope(ctx);
  if (scope.all) return () => true;
  if (groupBy === 'OWNER') return (row) => scope.person(row.key);
  if (groupBy === 'TEAM') return (row) => scope.team(row.key);
  return () => true;
}

export const resultsResolvers: Resolvers = {
  Query: {
    winRate: async (_parent, { from, to, groupBy, first }, ctx) => {
      const limit = size(first);
      const [all, grouped, visible] = await Promise.all([
        resultCounters(ctx.tenantId, 'results', '*', from, to),
        groupBy ? resultCounters(ctx.tenantId, 'results', groupBy, from, to) : [],
        visibleGroups(ctx, groupBy),
      ]);
      const [total] = totalsByGroup(all);
      return {
        groupBy: groupBy ?? null,
        rows: winRateRows(totalsByGroup(grouped)).filter(visible).slice(0, limit),
        total: { key: null, won: total?.won ?? 0, lost: total?.lost ?? 0, winRate: winRateOf(total?.won ?? 0, total?.lost ?? 0) },
      };
    },
    lostReasonStats: async (_parent, { from, to, first }, ctx) => {
      const limit = size(first);
      const [docs, rates] = await Promise.all([resultCounters(ctx.tenantId, 'lost', 'reason', from, to), ctx.loaders.rates()]);
      const { rows, totalDeals } = lostReasonRows(docs, rates);
      return { rows: rows.slice(0, limit), totalDeals };
    },
    revenue: async (_parent, { from, to, groupBy, first }, ctx) => {
      const limit = size(first);
      const [all, grouped, rates, visible] = await Promise.all([
        resultCounters(ctx.tenantId, 'results', '*', from, to),
        groupBy ? resultCounters(ctx.tenantId, 'results', groupBy, from, to) : [],
        ctx.loaders.rates(),
        visibleGroups(ctx, groupBy),
      ]);
      const [total] = totalsByGroup(all);
      return {
        groupBy: groupBy ?? null,
        rows: revenueRows(totalsByGroup(grouped), rates).filter(visible).slice(0, limit),
        total: { key: null, deals: total?.won ?? 0, revenue: convertAll(rates, amountsOf(addAmounts({}, total?.amounts))) },
      };
    },
  },
  // Sums of deals' amounts (a row per owner is often one deal): the field right of Deal.amount
  // (deal-money.ts); the deal counts, win rates and shares beside them stay.
  RevenueRow: {
    revenue: dealMoney((row: RevenueRow) => row.revenue ?? null),
  },
  LostReasonRow: {
    money: dealMoney((row: LostReasonRow) => row.money ?? null),
  },
};
