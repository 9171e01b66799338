/** Pure currency conversion: no I/O, so unit-tested on their own. */

export const DEFAULT_CURRENCY = 'EUR';

export interface Rates {
  /** The base currency. */
  currency: string;
  /** Currency -> units of the base currency per 1 unit. */
  rates: Record<string, number>;
}

export interface Amount {
  currency: string;
  amount: number;
}

/** Converted money: the total in the base currency, and what had no rate, per currency. */
export interface MoneyTotal {
  amount: number;
  currency: string;
  unconverted: Amount[];
}

/** Cents: sums of counters carry float dust. */
export const roundMoney = (value: number) => Math.round(value * 100) / 100;

/** One amount in the base currency, or null when its currency has no rate. */
export function convert(rates: Rates, amount: number, currency: string): number | null {
  if (currency === rates.currency) return amount;
  const rate = rates.rates[currency];
  return rate === undefined ? null : amount * rate;
}

/** Amounts per currency as one total in the base currency, those without a rate listed apart. */
export function convertAll(rates: Rates, amounts: Iterable<Amount>): MoneyTotal {
  let total = 0;
  const apart = new Map<string, number>();
  for (const { currency, amount } of amounts) {
    if (amount === 0) continue;
    const converted = convert(rates, amount, currency);
    if (converted === null) apart.set(currency, (apart.get(currency) ?? 0) + amount);
    else total += converted;
  }
  return {
    amount: roundMoney(total),
    currency: rates.currency,
    unconverted: [...apart].map(([currency, amount]) => ({ currency, amount: roundMoney(amount) })).filter((row) => row.amount !== 0).sort((a, b) => a.currency.localeCompare(b.currency)),
  };
}

/** A counters map `{EUR: 10, USD: 5}` as amounts. */
export const amountsOf = (byCurrency: Record<string, number> | undefined | null): Amount[] =>
  Object.entries(byCurrency ?? {}).map(([currency, amount]) => ({ currency, amount }));

/** Adds amounts per currency into `into`. */
export function addAmounts(into: Record<string, number>, byCurrency: Record<string, number> | undefined | null): Record<string, number> {
  for (const [currency, amount] of Object.entries(byCurrency ?? {})) into[currency] = (into[currency] ?? 0) + amount;
  return into;
}
