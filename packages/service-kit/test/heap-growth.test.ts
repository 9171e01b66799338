import { DEFAULT_HEAP_GROWING_PERCENT, limitHeapGrowth } from '../src/heap-growth';

describe('limitHeapGrowth', () => {
  test('takes HEAP_GROWING_PERCENT, defaults to 20, and 0 leaves V8 its own', () => {
    expect(limitHeapGrowth({})).toBe(DEFAULT_HEAP_GROWING_PERCENT);
    expect(limitHeapGrowth({ HEAP_GROWING_PERCENT: ' 35 ' })).toBe(35);
    expect(limitHeapGrowth({ HEAP_GROWING_PERCENT: '0' })).toBe(0);
  });

  test.each(['-1', '401', '12.5', 'twenty'])('refuses HEAP_GROWING_PERCENT=%s, naming the variable', (value) => {
    expect(() => limitHeapGrowth({ HEAP_GROWING_PERCENT: value })).toThrow(/HEAP_GROWING_PERCENT must be a whole number from 0 to 400/);
  });
});
