/** Pure ABC classification: no I/O, so boundaries and ties are unit-tested on their own. */

export type AbcClass = 'A' | 'B' | 'C';

export interface Thresholds {
  /** A while the cumulative revenue, the company's own included, is at most a × total. */
  a: number;
  /** B while at most b × total; C beyond. */
  b: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { a: 0.8, b: 0.95 };

export interface CompanyRevenue {
  companyId: string;
  /** For ties: equal revenues are ordered by name, then by id. */
  name: string;
  revenue: number;
}

export interface AbcRow extends CompanyRevenue {
  /** revenue / total; 0 without revenue. */
  share: number;
  /** The revenue of this company and of every one before it, over the total. */
  cumulativeShare: number;
  abcClass: AbcClass;
}

// Sums of floating-point amounts drift by a few units in the last place: a company exactly on a
// boundary (800 of 1000 at a = 0.8) must stay inside it.
const EPSILON = 1e-9;

const byRevenueThenName = (x: CompanyRevenue, y: CompanyRevenue) =>
  y.revenue - x.revenue || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0) || (x.companyId < y.companyId ? -1 : x.companyId > y.companyId ? 1 : 0);

/**
 * Sorted by revenue descending, ties by name: A while cumulative revenue ≤ a × total, B while
 * ≤ b × total, else C; a company without revenue is C. The order decides ties at a boundary:
 * of two equal revenues straddling it, the first by name is in the better class.
 */
export function classify(companies: readonly CompanyRevenue[], { a, b }: Thresholds): AbcRow[] {
  const sorted = [...companies].sort(byRevenueThenName);
  const total = sorted.reduce((sum, row) => sum + Math.max(0, row.revenue), 0);
  let cumulative = 0;
  return sorted.map((row): AbcRow => {
    const revenue = Math.max(0, row.revenue);
    cumulative += revenue;
    if (revenue <= 0 || total <= 0) return { ...row, revenue, share: 0, cumulativeShare: total > 0 ? cumulative / total : 0, abcClass: 'C' };
    const abcClass: AbcClass = cumulative <= a * total * (1 + EPSILON) ? 'A' : cumulative <= b * total * (1 + EPSILON) ? 'B' : 'C';
    return { ...row, revenue, share: revenue / total, cumulativeShare: cumulative / total, abcClass };
  });
}

/** How many companies each class holds. */
export function classCounts(rows: readonly { abcClass: AbcClass }[]): Record<AbcClass, number> {
  const counts: Record<AbcClass, number> = { A: 0, B: 0, C: 0 };
  for (const row of rows) counts[row.abcClass] += 1;
  return counts;
}
