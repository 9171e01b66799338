import { CompanyAbcClassChanged, createEvent, eventMeta, type EventCause } from '@crm/events';
import { insertWithEvents, isDuplicateKey, updateWithEvents } from '@crm/messaging';
import { computeAbc, type AbcBasis, type AbcResult } from './abc.analysis';
import type { AbcClass } from './abc.math';
import { abcClassId, AbcAnalysisModel, AbcClassModel, type AbcClassDoc } from './abc.models';
import { currentCompanies } from '../company-merges/company-merges';

export interface AbcRunResult {
  analysis: AbcResult;
  /** Companies whose class changed, each published as CompanyAbcClassChanged. */
  changed: number;
}

interface Period {
  from: Date;
  to: Date;
  basis: AbcBasis;
}

interface Target {
  companyId: string;
  abcClass: AbcClass;
  revenue: number;
}

/**
 * Computes the analysis, stores it as the tenant's latest and publishes the class of every
 * company whose class changed (the contacts service applies it to the company card). A company
 * classified A or B before and without revenue now becomes C. The event and the stored class
 * are one write (the class document's outbox): a crash between two companies leaves the rest
 * for the next run, which finds them unchanged or not.
 */
export async function runAbcAnalysis(cause: EventCause, from: Date, to: Date, basis: AbcBasis): Promise<AbcRunResult> {
  const { tenantId } = cause;
  const analysis = await computeAbc(tenantId, from, to, basis);
  const computedAt = new Date();
  const stored = await AbcClassModel.find({ tenantId, abcClass: { $in: ['A', 'B', 'C'] } }, { companyId: 1, abcClass: 1 }).lean<Pick<AbcClassDoc, '_id' | 'companyId' | 'abcClass'>[]>();
  const storedClass = new Map(stored.map((row) => [row.companyId, row.abcClass]));
  const targets: Target[] = analysis.rows.map(({ companyId, abcClass, revenue }) => ({ companyId, abcClass, revenue }));
  const ranked = new Set(targets.map((target) => target.companyId));
  // A company merged into another no longer exists: its revenue is the primary's row, and it gets no class of its own.
  const current = await currentCompanies(tenantId, stored.map((row) => row.companyId));
  for (const { companyId, abcClass } of stored) {
    if (!ranked.has(companyId) && abcClass !== 'C' && current.get(companyId) === companyId) targets.push({ companyId, abcClass: 'C', revenue: 0 });
  }

  let changed = 0;
  for (const target of targets) {
    const before = storedClass.get(target.companyId);
    if (before === target.abcClass) continue;
    if (await publishClass(cause, target, before, { from, to, basis }, analysis.currency, computedAt)) changed += 1;
  }
  await AbcAnalysisModel.updateOne(
    { _id: tenantId, tenantId },
    { $set: { from, to, basis, a: analysis.thresholds.a, b: analysis.thresholds.b, counts: analysis.counts, total: analysis.total, currency: analysis.currency, computedAt } },
    { upsert: true },
  );
  return { analysis, changed };
}

/** Stores the company's new class with its event; false when another run changed it first. */
async function publishClass(cause: EventCause, target: Target, before: AbcClass | undefined, period: Period, currency: string, computedAt: Date): Promise<boolean> {
  const { tenantId } = cause;
  const _id = abcClassId(tenantId, target.companyId);
  const event = createEvent(CompanyAbcClassChanged, eventMeta(cause, target.companyId), {
    companyId: target.companyId,
    abcClass: target.abcClass,
    revenue12m: target.revenue,
    currency,
    computedAt: computedAt.toISOString(),
    periodFrom: period.from.toISOString(),
    periodTo: period.to.toISOString(),
    basis: period.basis,
  });
  const fields = { abcClass: target.abcClass, revenue: target.revenue, computedAt };
  if (before === undefined) {
    try {
      await insertWithEvents(AbcClassModel, { _id, tenantId, companyId: target.companyId, ...fields }, event);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }
  // Compare-and-set on the class read: two runs at once publish a change once.
  return (await updateWithEvents(AbcClassModel, { _id, tenantId, abcClass: before }, { $set: fields }, event)) !== null;
}
