/** Pure percentile maths: no I/O, unit-tested on its own. */

/**
 * The p-quantile (0..1) of values by linear interpolation between closest ranks (as Excel's
 * PERCENTILE.INC and R's type 7): h = (n - 1)·p, then x[⌊h⌋] + (h - ⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋]).
 * The median of 1, 2, 3, 4 is 2.5; null without values.
 */
export function percentile(sortedValues: readonly number[], p: number): number | null {
  const n = sortedValues.length;
  if (n === 0) return null;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sortedValues[lo]! + (h - lo) * (sortedValues[hi]! - sortedValues[lo]!);
}

export interface DurationStats {
  count: number;
  medianDays: number | null;
  p90Days: number | null;
}

/** Days rounded to hundredths, for display. */
const round = (days: number | null) => (days === null ? null : Math.round(days * 100) / 100);

export function durationStats(days: readonly number[]): DurationStats {
  const sorted = [...days].sort((a, b) => a - b);
  return { count: sorted.length, medianDays: round(percentile(sorted, 0.5)), p90Days: round(percentile(sorted, 0.9)) };
}
