import { badInput } from '@crm/service-kit';
import { CounterModel, NONE, type CounterDoc } from '../deal-facts/counter.model';
import { periodMonths } from '../deal-facts/months';
import { funnelDims, type FunnelDim } from './funnel.contributions';
import { addFunnelCounters, histogram, type MoneyByPosition } from './funnel.money';

export interface FunnelFilterInput {
  from?: unknown;
  to?: unknown;
  ownerId?: string | null;
  teamId?: string | null;
  territory?: string | null;
  source?: string | null;
}

/** The filter's dimension values, by the counters' dimension names. */
export function filterValues(filter: FunnelFilterInput): Partial<Record<FunnelDim, string>> {
  const given = { owner: filter.ownerId, team: filter.teamId, territory: filter.territory, source: filter.source };
  const values: Partial<Record<FunnelDim, string>> = {};
  for (const dim of funnelDims) {
    const value = given[dim];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.trim() === '' || value.length > 200) throw badInput(`${dim} filter must be 1 to 200 characters`, `filter.${dim}`);
    values[dim] = value.trim();
  }
  return values;
}

/**
 * The counters a filtered funnel reads, all by an index and bounded by the months of the
 * period: with no dimension, the pipeline's per-month totals; with one, that value's per-month
 * counters; with several, the per-month counters of every combination of the pipeline that
 * matches them (as many as the combinations active in those months; of the owner's only, when
 * the owner is one of them).
 */
export async function filteredFunnelCounters(tenantId: string, pipelineId: string, filter: FunnelFilterInput) {
  const months = periodMonths(filter.from, filter.to, { from: 'filter.from', to: 'filter.to' });
  const values = filterValues(filter);
  const dims = Object.keys(values) as FunnelDim[];
  const base = { tenantId, kind: 'funnel' as const, pipelineId, month: { $in: months } };
  let docs: CounterDoc[];
  if (dims.length <= 1) {
    const [dim] = dims;
    docs = await CounterModel.find({ ...base, dim: dim ?? '*', value: dim ? values[dim]! : '*' }, { c: 1 }).lean<CounterDoc[]>();
  } else {
    const combos = await CounterModel.find({ ...base, dim: 'combo', ...(values.owner !== undefined && { value: ownerRange(values.owner) }) }, { c: 1, value: 1 }).lean<CounterDoc[]>();
    docs = combos.filter((doc) => matchesCombo(doc.value, values));
  }
  const counts = new Map<number, number>();
  const money: MoneyByPosition = new Map();
  for (const doc of docs) addFunnelCounters(counts, money, doc.c);
  return { counts: histogram(counts), money };
}

/**
 * The combinations of one owner, as a range of the index on `value`: the owner comes first in a
 * combination (comboValue), so they all begin with `["<owner>",` and end before `["<owner>"-`.
 * A manager's own funnel then reads their combinations, not the pipeline's.
 */
function ownerRange(owner: string): { $gte: string; $lt: string } {
  const prefix = `[${JSON.stringify(owner)},`;
  return { $gte: prefix, $lt: `${prefix.slice(0, -1)}-` };
}

function matchesCombo(value: string, wanted: Partial<Record<FunnelDim, string>>): boolean {
  const parts = JSON.parse(value) as string[];
  return funnelDims.every((dim, i) => wanted[dim] === undefined || (parts[i] ?? NONE) === wanted[dim]);
}
