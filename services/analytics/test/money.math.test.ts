import { convert, convertAll } from '../src/modules/money/money.math';

const rates = { currency: 'EUR', rates: { USD: 0.9, CHF: 1.05 } };

describe('currency conversion', () => {
  it('keeps the base currency and converts at units of base per unit', () => {
    expect(convert(rates, 100, 'EUR')).toBe(100);
    expect(convert(rates, 100, 'USD')).toBeCloseTo(90, 10);
    expect(convert(rates, 200, 'CHF')).toBeCloseTo(210, 10);
  });

  it('answers null for a currency without a rate', () => {
    expect(convert(rates, 100, 'GBP')).toBeNull();
  });

  it('totals amounts in the base currency and lists those without a rate apart, per currency', () => {
    // 1000 EUR + 500 USD * 0.9 + 100 CHF * 1.05 = 1000 + 450 + 105 = 1555; GBP 70 + 30 and JPY 5000 apart.
    const total = convertAll(rates, [
      { currency: 'EUR', amount: 1000 },
      { currency: 'USD', amount: 500 },
      { currency: 'GBP', amount: 70 },
      { currency: 'CHF', amount: 100 },
      { currency: 'GBP', amount: 30 },
      { currency: 'JPY', amount: 5000 },
    ]);
    expect(total).toEqual({ amount: 1555, currency: 'EUR', unconverted: [{ currency: 'GBP', amount: 100 }, { currency: 'JPY', amount: 5000 }] });
  });

  it('rounds to cents and drops amounts that cancelled out', () => {
    expect(convertAll(rates, [{ currency: 'EUR', amount: 0.1 }, { currency: 'EUR', amount: 0.2 }, { currency: 'GBP', amount: 1e-12 }])).toEqual({ amount: 0.3, currency: 'EUR', unconverted: [] });
  });
});
