import { hasRole } from '@crm/auth';
import { guardField, isFieldDenied } from '@crm/policy';
import { dateTimeInput, forbidden, listSize, parseInput } from '@crm/service-kit';
import { z } from 'zod';
import type { AnalyticsContext } from '../../context';
import { figuresScope, type FiguresScope } from '../../figures-scope';
import type { Resolvers } from '../../generated/graphql';
import { dealMoney } from '../money/deal-money';
import { convertAll, type MoneyTotal } from '../money/money.math';
import { ratesOf } from '../money/money.service';
import { computeAbc, thresholdsOf, type AbcBasis, type AbcResult } from './abc.analysis';
import type { AbcRow } from './abc.math';
import { AbcSettingsModel, CompanyPotentialModel } from './abc.models';
import { runAbcAnalysis } from './abc.run';

/** What AbcRow resolves from: a classified company with its potential in the base currency, and the analysis's basis. */
export type AbcRowView = AbcRow & { potential: MoneyTotal | null; basis: AbcBasis };

/**
 * Revenue from won deals is the sum of their amounts: one company's is often one deal, so it
 * follows the field right of Deal.amount (deal-money.ts), and so do the shares it makes. Revenue
 * from ERP payments is not deal money (the deals service answers purchases and payments to any
 * reader of the company): it follows no field right.
 */
const abcMoney = <P extends { basis: AbcBasis }, R>(read: (parent: P) => R) => dealMoney(read, (parent) => parent.basis === 'WON_DEALS');

const period = z.object({
  from: dateTimeInput('from'),
  to: dateTimeInput('to'),
  basis: z.enum(['WON_DEALS', 'PAYMENTS']).nullish().transform((value) => value ?? 'WON_DEALS'),
});

const thresholds = z
  .object({ a: z.number().gt(0, 'must be greater than 0').lt(1, 'must be less than 1'), b: z.number().gt(0, 'must be greater than 0').lte(1, 'must be at most 1') })
  .refine(({ a, b }) => a < b, { message: 'must be greater than a', path: ['b'] });

function requireAbcAdmin(ctx: AnalyticsContext, what: string) {
  if (!hasRole(ctx.identity, 'admin', 'head_of_sales')) throw forbidden(`only admins and heads of sales may ${what}`);
}

/**
 * The rows of the caller's analytics read scope (figures-scope.ts): a row is one company's
 * revenue, a figure of a record owned by someone, so ALL sees every company, TEAM those owned by
 * anyone of the user's teams, OWN the user's own (as the company facts know the owner; a company
 * whose owner is not known yet is for ALL only). Classes and shares stay those of the whole tenant
 * (like `total` and `counts`); the cumulative share counts the rows shown only, since the
 * tenant's would give away the revenue of the companies left out between two rows.
 */
export function rowsInScope(analysis: Pick<AbcResult, 'rows' | 'owners'>, scope: Pick<FiguresScope, 'all' | 'person'>): AbcRow[] {
  if (scope.all) return analysis.rows;
  // The tenant's total as classify summed it (same rows, same order): one denominator for share and cumulative share.
  const total = analysis.rows.reduce((sum, row) => sum + row.revenue, 0);
  let cumulative = 0;
  return analysis.rows
    .filter((row) => scope.person(analysis.owners.get(row.companyId)))
    .map((row) => {
      cumulative += row.revenue;
      return { ...row, cumulativeShare: total > 0 ? cumulative / total : 0 };
    });
}

/** The first `count` rows, each with its company's potential (one keyed read for them all; none when the reader is denied it). */
async function rowsWithPotential(tenantId: string, basis: AbcBasis, rows: AbcRow[], count: number, withPotential: boolean): Promise<AbcRowView[]> {
  const shown = rows.slice(0, count);
  if (shown.length === 0) return [];
  if (!withPotential) return shown.map((row) => ({ ...row, basis, potential: null }));
  const [potentials, rates] = await Promise.all([
    CompanyPotentialModel.find({ tenantId, _id: { $in: shown.map((row) => row.companyId) } }).lean(),
    ratesOf(tenantId),
  ]);
  const byId = new Map(potentials.map((doc) => [doc._id, doc.potential]));
  return shown.map((row) => {
    const potential = byId.get(row.companyId);
    return { ...row, basis, potential: potential ? convertAll(rates, [potential]) : null };
  });
}

export const abcResolvers: Resolvers = {
  Query: {
    abcAnalysis: async (_parent, args, ctx) => {
      const { from, to, basis } = parseInput(period, args);
      return computeAbc(ctx.tenantId, from, to, basis);
    },
    abcThresholds: (_parent, _args, ctx) => thresholdsOf(ctx.tenantId),
  },
  Mutation: {
    setAbcThresholds: async (_parent, args, ctx) => {
      requireAbcAdmin(ctx, 'set the ABC thresholds');
      const { a, b } = parseInput(thresholds, args);
      await AbcSettingsModel.updateOne({ _id: ctx.tenantId, tenantId: ctx.tenantId }, { $set: { a, b, updatedAt: new Date() } }, { upsert: true });
      return { a, b };
    },
    runAbcAnalysis: async (_parent, args, ctx) => {
      requireAbcAdmin(ctx, 'run the ABC analysis');
      const { from, to, basis } = parseInput(period, args);
      const { analysis, changed } = await runAbcAnalysis({ tenantId: ctx.tenantId, userId: ctx.userId, correlationId: ctx.correlationId }, from, to, basis);
      return { analysis, changedClasses: changed };
    },
  },
  AbcAnalysis: {
    companies: (analysis: AbcResult) => analysis.rows.length,
    rows: async (analysis: AbcResult, { first }, ctx) => {
      const count = listSize(first, { default: 500, max: 5000 });
      const scope = await figuresScope(ctx);
      const potentialDenied = isFieldDenied(await ctx.access(), 'Company', 'potential');
      return rowsWithPotential(ctx.tenantId, analysis.basis, rowsInScope(analysis, scope), count, !potentialDenied);
    },
    total: abcMoney((analysis: AbcResult) => analysis.total),
    unconverted: abcMoney((analysis: AbcResult) => analysis.unconverted),
  },
  AbcRow: {
    company: (row) => ({ id: row.companyId }),
    revenue: abcMoney((row: AbcRowView) => row.revenue),
    share: abcMoney((row: AbcRowView) => row.share),
    cumulativeShare: abcMoney((row: AbcRowView) => row.cumulativeShare),
    // The field right of Company.potential, as the contacts subgraph applies it to the company: null with FORBIDDEN on the path.
    potential: guardField('Company', 'potential', (row: AbcRowView) => row.potential),
  },
};
