import { hasRole } from '@crm/auth';
import { dateTimeInput, forbidden, listSize, parseInput } from '@crm/service-kit';
import { z } from 'zod';
import type { AnalyticsContext } from '../../context';
import type { Resolvers } from '../../generated/graphql';
import { convertAll, type MoneyTotal } from '../money/money.math';
import { ratesOf } from '../money/money.service';
import { computeAbc, thresholdsOf, type AbcResult } from './abc.analysis';
import type { AbcRow } from './abc.math';
import { AbcSettingsModel, CompanyPotentialModel } from './abc.models';
import { runAbcAnalysis } from './abc.run';

/** What AbcRow resolves from: a classified company with its potential in the base currency. */
export type AbcRowView = AbcRow & { potential: MoneyTotal | null };

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

/** The first `count` rows, each with its company's potential (one keyed read for them all). */
async function rowsWithPotential(tenantId: string, rows: AbcRow[], count: number): Promise<AbcRowView[]> {
  const shown = rows.slice(0, count);
  if (shown.length === 0) return [];
  const [potentials, rates] = await Promise.all([
    CompanyPotentialModel.find({ tenantId, _id: { $in: shown.map((row) => row.companyId) } }).lean(),
    ratesOf(tenantId),
  ]);
  const byId = new Map(potentials.map((doc) => [doc._id, doc.potential]));
  return shown.map((row) => {
    const potential = byId.get(row.companyId);
    return { ...row, potential: potential ? convertAll(rates, [potential]) : null };
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
    rows: (analysis: AbcResult, { first }, ctx) => rowsWithPotential(ctx.tenantId, analysis.rows, listSize(first, { default: 500, max: 5000 })),
  },
  AbcRow: {
    company: (row) => ({ id: row.companyId }),
  },
};
