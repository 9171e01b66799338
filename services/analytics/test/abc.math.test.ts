import { classCounts, classify, DEFAULT_THRESHOLDS } from '../src/modules/abc/abc.math';

const company = (name: string, revenue: number) => ({ companyId: `id-${name}`, name, revenue });
const summary = (rows: ReturnType<typeof classify>) => rows.map((row) => [row.name, row.abcClass, row.cumulativeShare]);

describe('ABC classification', () => {
  it('puts a company in A while the cumulative revenue, itself included, is at most a × total', () => {
    // total 1000: cumulative 500 (0.5 A), 800 (0.8 A: on the boundary), 900 (0.9 B), 950 (0.95 B: on the boundary), 1000 (C)
    const rows = classify([company('E', 50), company('A', 500), company('C', 100), company('B', 300), company('D', 50)], DEFAULT_THRESHOLDS);
    expect(summary(rows)).toEqual([
      ['A', 'A', 0.5],
      ['B', 'A', 0.8],
      ['C', 'B', 0.9],
      ['D', 'B', 0.95],
      ['E', 'C', 1],
    ]);
    expect(rows.map((row) => row.share)).toEqual([0.5, 0.3, 0.1, 0.05, 0.05]);
    expect(classCounts(rows)).toEqual({ A: 2, B: 2, C: 1 });
  });

  it('orders equal revenues by name, and the order decides which side of a boundary each falls', () => {
    // total 1000: Zeta 600 (0.6 A); Alpha and Beta 200 each: Alpha first by name (0.8 A), Beta (1.0 C)
    const rows = classify([company('Beta', 200), company('Zeta', 600), company('Alpha', 200)], DEFAULT_THRESHOLDS);
    expect(summary(rows)).toEqual([
      ['Zeta', 'A', 0.6],
      ['Alpha', 'A', 0.8],
      ['Beta', 'C', 1],
    ]);
  });

  it('keeps a company exactly on a boundary inside it despite floating-point sums', () => {
    // 0.1 + 0.7 = 0.7999999999999999 and 0.1 + 0.2 = 0.30000000000000004: classes must not flip on that
    const rows = classify([company('A', 0.1), company('B', 0.7), company('C', 0.2)], { a: 0.8, b: 0.95 });
    // sorted: B 0.7, C 0.2, A 0.1; total 1.0; cumulative 0.7 (A), 0.9 (B), 1.0 (C)
    expect(summary(rows).map(([name, abcClass]) => [name, abcClass])).toEqual([
      ['B', 'A'],
      ['C', 'B'],
      ['A', 'C'],
    ]);
    const exact = classify([company('X', 0.7), company('Y', 0.1), company('Z', 0.2)], { a: 0.8, b: 0.9 });
    // Z 0.2, then X... sorted: X 0.7, Z 0.2, Y 0.1 -> 0.7 A, 0.9 (= b) B, 1.0 C
    expect(exact.map((row) => row.abcClass)).toEqual(['A', 'B', 'C']);
  });

  it('makes a company without revenue C with no share, and a tenant without revenue all C', () => {
    const rows = classify([company('Quiet', 0), company('Big', 100)], DEFAULT_THRESHOLDS);
    // Big alone is the whole total: cumulative 1.0 > 0.95, so C by the rule, like Quiet without revenue.
    expect(rows.map(({ name, abcClass, share }) => [name, abcClass, share])).toEqual([
      ['Big', 'C', 1],
      ['Quiet', 'C', 0],
    ]);
    expect(classify([company('A', 0), company('B', 0)], DEFAULT_THRESHOLDS).map((row) => [row.abcClass, row.share, row.cumulativeShare])).toEqual([
      ['C', 0, 0],
      ['C', 0, 0],
    ]);
  });

  it('follows the tenant thresholds', () => {
    // total 100: 50 (0.5), 80 (0.8), 100 (1.0); with a = 0.5, b = 1: A, B, B
    const rows = classify([company('A', 50), company('B', 30), company('C', 20)], { a: 0.5, b: 1 });
    expect(rows.map((row) => row.abcClass)).toEqual(['A', 'B', 'B']);
  });
});
