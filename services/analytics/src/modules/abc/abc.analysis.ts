import { badInput } from '@crm/service-kit';
import { CompanyFactModel } from '../company-facts/company-fact.model';
import { currentCompanies } from '../company-merges/company-merges';
import { CounterModel } from '../fact-counters/counter.model';
import { monthsBetween } from '../fact-counters/periods';
import { convertAll, roundMoney, type Amount } from '../money/money.math';
import { ratesOf } from '../money/money.service';
import { COMPANY_REVENUE } from '../won-deals/sales-fact';
import { classCounts, classify, DEFAULT_THRESHOLDS, type AbcClass, type AbcRow, type Thresholds } from './abc.math';
import { AbcSettingsModel } from './abc.models';

export type AbcBasis = 'WON_DEALS' | 'PAYMENTS';

/** The longest period one analysis reads: its months are one $in of the counters. */
export const MAX_MONTHS = 60;
/** Ids per $in when reading names. */
const CHUNK = 1000;

export interface AbcResult {
  from: Date;
  to: Date;
  basis: AbcBasis;
  /** The whole months the counters cover: [periodFrom, periodTo) contains [from, to). */
  periodFrom: Date;
  periodTo: Date;
  currency: string;
  total: number;
  thresholds: Thresholds;
  counts: Record<AbcClass, number>;
  rows: AbcRow[];
  /** Each row's company owner as the company facts know it (absent: not known yet): who may see the row (abc.resolvers.ts). */
  owners: Map<string, string | null>;
  /** Revenue in currencies without a rate: left out of every row, listed here. */
  unconverted: Amount[];
}

export async function thresholdsOf(tenantId: string): Promise<Thresholds> {
  const settings = await AbcSettingsModel.findOne({ _id: tenantId, tenantId }).lean();
  return settings ? { a: settings.a, b: settings.b } : DEFAULT_THRESHOLDS;
}

/** The period as the analysis reads it; BAD_USER_INPUT naming the field when it cannot be one. */
export function checkPeriod(from: Date, to: Date): string[] {
  if (Number.isNaN(from.getTime())) throw badInput('from is not a date', 'from');
  if (Number.isNaN(to.getTime())) throw badInput('to is not a date', 'to');
  if (from >= to) throw badInput('from must be before to', 'to');
  const months = monthsBetween(from, to, MAX_MONTHS);
  if (months.length > MAX_MONTHS) throw badInput(`the period may span at most ${MAX_MONTHS} months`, 'to');
  return months;
}

/**
 * Revenue per company over the months of [from, to), from the per-(company, month) counters:
 * one indexed read of the period's counters, whatever the number of deals or payments. The
 * counters keep each currency apart; amounts are converted at the tenant's current rates.
 */
export async function computeAbc(tenantId: string, from: Date, to: Date, basis: AbcBasis): Promise<AbcResult> {
  const months = checkPeriod(from, to);
  const prefix = basis === 'WON_DEALS' ? 'won_' : 'paid_';
  const [counters, rates, thresholds] = await Promise.all([
    CounterModel.find({ tenantId, kind: COMPANY_REVENUE, period: { $in: months } }, { subject: 1, values: 1 }).lean(),
    ratesOf(tenantId),
    thresholdsOf(tenantId),
  ]);
  // Revenue counted under a company merged since then is the primary's (contacts merged them).
  const current = await currentCompanies(tenantId, counters.map((counter) => counter.subject));
  const byCompany = new Map<string, Amount[]>();
  for (const counter of counters) {
    const companyId = current.get(counter.subject) ?? counter.subject;
    const amounts = byCompany.get(companyId) ?? [];
    for (const [field, amount] of Object.entries(counter.values ?? {})) {
      if (field.startsWith(prefix) && typeof amount === 'number') amounts.push({ currency: field.slice(prefix.length), amount });
    }
    byCompany.set(companyId, amounts);
  }
  const unconverted: Amount[] = [];
  const revenues = new Map<string, number>();
  for (const [companyId, amounts] of byCompany) {
    const total = convertAll(rates, amounts);
    unconverted.push(...total.unconverted);
    if (total.amount > 0) revenues.set(companyId, total.amount);
  }
  const companies = await companiesOf(tenantId, [...revenues.keys()]);
  const rows = classify(
    [...revenues].map(([companyId, revenue]) => ({ companyId, name: companies.get(companyId)?.name ?? '', revenue })),
    thresholds,
  );
  const periodFrom = new Date(`${months[0]}-01T00:00:00.000Z`);
  const periodTo = new Date(periodFrom);
  periodTo.setUTCMonth(periodTo.getUTCMonth() + months.length);
  return {
    from,
    to,
    basis,
    periodFrom,
    periodTo,
    currency: rates.currency,
    total: roundMoney(rows.reduce((sum, row) => sum + row.revenue, 0)),
    thresholds,
    counts: classCounts(rows),
    rows,
    owners: new Map([...companies].map(([companyId, { ownerId }]) => [companyId, ownerId ?? null])),
    unconverted: convertAll({ currency: '', rates: {} }, unconverted).unconverted,
  };
}

/** Company names (for ties) and owners (for the rows' scope) from the company facts, by key, in chunks. */
async function companiesOf(tenantId: string, companyIds: string[]): Promise<Map<string, { name: string; ownerId: string | null }>> {
  const companies = new Map<string, { name: string; ownerId: string | null }>();
  for (let i = 0; i < companyIds.length; i += CHUNK) {
    const facts = await CompanyFactModel.find({ tenantId, _id: { $in: companyIds.slice(i, i + CHUNK) } }, { name: 1, ownerId: 1 }).lean();
    for (const fact of facts) companies.set(fact._id, { name: fact.name, ownerId: fact.ownerId ?? null });
  }
  return companies;
}
