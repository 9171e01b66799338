import { durationStats, percentile } from '../src/modules/sales-cycle/percentiles';
import { daysByStage, MAX_DURATIONS } from '../src/modules/sales-cycle/sales-cycle.query';

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

  it('groups the most stays a query reads by stage, each once and in order', () => {
    // 50,000 stays over three stages: grown in place, one pass (a copy per stay took seconds).
    const spans = Array.from({ length: MAX_DURATIONS }, (_, i) => ({ stageId: `stage-${i % 3}`, days: i }));
    const byStage = daysByStage(spans);
    expect([...byStage.keys()]).toEqual(['stage-0', 'stage-1', 'stage-2']);
    expect([...byStage.values()].map((days) => days.length)).toEqual([16_667, 16_667, 16_666]);
    expect(byStage.get('stage-2')!.slice(0, 3)).toEqual([2, 5, 8]);
    expect(byStage.get('stage-1')!.at(-1)).toBe(49_999);
    // 0, 3, ..., 49,998: median x[8333] = 24,999; p90 at h = 14,999.4: 44,997 + 0.4 × 3.
    expect(durationStats(byStage.get('stage-0')!)).toEqual({ count: 16_667, medianDays: 24_999, p90Days: 44_998.2 });
  });
});
