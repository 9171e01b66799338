import { durationStats, percentile } from '../src/modules/sales-cycle/percentiles';

describe('percentiles', () => {
  it('interpolates between ranks', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1, 10);
    expect(percentile([2, 4, 10], 0.9)).toBeCloseTo(8.8, 10); // h = 1.8: 4 + 0.8 × 6
  });

  it('takes the only value, and null without values', () => {
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });

  it('sorts the durations and rounds to hundredths', () => {
    expect(durationStats([6, 1, 4, 2])).toEqual({ count: 4, medianDays: 3, p90Days: 5.4 });
    expect(durationStats([1 / 3, 2 / 3])).toEqual({ count: 2, medianDays: 0.5, p90Days: 0.63 });
    expect(durationStats([])).toEqual({ count: 0, medianDays: null, p90Days: null });
  });
});
