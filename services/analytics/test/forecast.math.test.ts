import { computeForecast, monthsFrom } from '../src/modules/forecast/forecast.math';

const rates = { currency: 'EUR', rates: { USD: 0.8 } };
const probabilities: Record<string, number> = { 'p1:lead': 0.2, 'p1:offer': 0.6 };
const probabilityOf = (pipelineId: string, stageId: string) => probabilities[`${pipelineId}:${stageId}`] ?? 0;

describe('forecast maths', () => {
  it('weights each stage by its probability, per month, and totals', () => {
    const forecast = computeForecast(
      ['2026-06', '2026-07'],
      [
        { month: '2026-06', pipelineId: 'p1', stageId: 'lead', deals: 3, amounts: { EUR: 1000, USD: 500 } }, // (1000 + 400) × 0.2 = 280
        { month: '2026-06', pipelineId: 'p1', stageId: 'offer', deals: 1, amounts: { EUR: 2000 } }, // 2000 × 0.6 = 1200
        { month: '2026-07', pipelineId: 'p1', stageId: 'gone', deals: 2, amounts: { EUR: 300, JPY: 1000 } }, // unknown stage: weight 0
        { month: '2026-09', pipelineId: 'p1', stageId: 'lead', deals: 9, amounts: { EUR: 9999 } }, // outside the months
      ],
      probabilityOf,
      rates,
    );
    expect(forecast.months).toEqual([
      { month: '2026-06', deals: 4, amount: { amount: 3400, currency: 'EUR', unconverted: [] }, weighted: { amount: 1480, currency: 'EUR', unconverted: [] } },
      { month: '2026-07', deals: 2, amount: { amount: 300, currency: 'EUR', unconverted: [{ currency: 'JPY', amount: 1000 }] }, weighted: { amount: 0, currency: 'EUR', unconverted: [] } },
    ]);
    expect(forecast.amount).toEqual({ amount: 3700, currency: 'EUR', unconverted: [{ currency: 'JPY', amount: 1000 }] });
    expect(forecast.weighted).toEqual({ amount: 1480, currency: 'EUR', unconverted: [] });
  });

  it('counts months across a year end', () => {
    expect(monthsFrom('2026-11', 4)).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
  });
});
