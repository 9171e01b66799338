/** Pure forecast maths: no I/O, unit-tested on its own. */
import { amountsOf, convertAll, type MoneyTotal, type Rates } from '../money/money.math';

/** One month counters document of one stage: deals and amounts per currency. */
export interface StageMonth {
  month: string;
  pipelineId: string;
  stageId: string;
  deals: number;
  amounts: Record<string, number>;
}

export interface ForecastMonthFigures {
  month: string;
  deals: number;
  amount: MoneyTotal;
  weighted: MoneyTotal;
}

/**
 * Per month: the deals, their amounts, and the amounts each weighted by the probability of its
 * stage (a stage without one weighs 0). Totals over all months.
 */
export function computeForecast(months: readonly string[], rows: readonly StageMonth[], probabilityOf: (pipelineId: string, stageId: string) => number, rates: Rates) {
  const figures = months.map((month) => {
    const amount: Record<string, number> = {};
    const weighted: Record<string, number> = {};
    let deals = 0;
    for (const row of rows) {
      if (row.month !== month) continue;
      deals += row.deals;
      const p = probabilityOf(row.pipelineId, row.stageId);
      for (const [currency, value] of Object.entries(row.amounts)) {
        amount[currency] = (amount[currency] ?? 0) + value;
        weighted[currency] = (weighted[currency] ?? 0) + value * p;
      }
    }
    return { month, deals, amount, weighted };
  });
  const sum = (pick: 'amount' | 'weighted') => {
    const total: Record<string, number> = {};
    for (const month of figures) for (const [currency, value] of Object.entries(month[pick])) total[currency] = (total[currency] ?? 0) + value;
    return convertAll(rates, amountsOf(total));
  };
  return {
    months: figures.map((month): ForecastMonthFigures => ({ month: month.month, deals: month.deals, amount: convertAll(rates, amountsOf(month.amount)), weighted: convertAll(rates, amountsOf(month.weighted)) })),
    amount: sum('amount'),
    weighted: sum('weighted'),
  };
}

/** `count` months from YYYY-MM on. */
export function monthsFrom(fromMonth: string, count: number): string[] {
  const [year, month] = fromMonth.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, i) => {
    const index = year * 12 + (month - 1) + i;
    return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
  });
}
