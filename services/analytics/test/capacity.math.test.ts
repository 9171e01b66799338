import { capacityPlan, formatNumber, managersFor, prospectCapacityPlan } from '../src/modules/capacity/capacity.math';

// The domain file's defaults (a subset): what a tenant without its own norms gets.
const norms = { CALL: 15, MEETING_OFFICE: 60, MEETING_ON_SITE: 180, CONTRACT: 60, EMAIL: 10, PRESENTATION: 60 };

describe('capacity plan maths', () => {
  it('multiplies the yearly operations by the norms, the clients of each class and divides by the selling hours', () => {
    // A: 12×15 + 4×180 + 2×60 = 180 + 720 + 120 = 1020 min = 17 h; × 10 clients = 170 h
    // B: 6×15 + 2×60 = 90 + 120 = 210 min = 3.5 h; × 30 clients = 105 h
    // C: 2×15 + 4×10 = 30 + 40 = 70 min = 7/6 h; × 60 clients = 70 h
    // total 345 h; / 100 h per manager = 3.45 -> 4 managers
    const plan = capacityPlan(
      [
        { abcClass: 'C', operations: [{ operation: 'CALL', times: 2 }, { operation: 'EMAIL', times: 4 }] },
        { abcClass: 'A', operations: [{ operation: 'CALL', times: 12 }, { operation: 'MEETING_ON_SITE', times: 4 }, { operation: 'CONTRACT', times: 2 }] },
        { abcClass: 'B', operations: [{ operation: 'CALL', times: 6 }, { operation: 'MEETING_OFFICE', times: 2 }] },
      ],
      { A: 10, B: 30, C: 60 },
      100,
      norms,
    );
    expect(plan.classes.map(({ abcClass, clients, hours }) => [abcClass, clients, hours])).toEqual([
      ['A', 10, 170],
      ['B', 30, 105],
      ['C', 60, 70],
    ]);
    expect(plan.classes.map((row) => row.hoursPerClient)).toEqual([17, 3.5, 70 / 60]);
    expect(plan.totalHours).toBeCloseTo(345, 9);
    expect(plan.managersExact).toBeCloseTo(3.45, 9);
    expect(plan.managersNeeded).toBe(4);
    expect(plan.terms).toEqual([
      'A: 12 × CALL 15 min = 180 min',
      'A: 4 × MEETING_ON_SITE 180 min = 720 min',
      'A: 2 × CONTRACT 60 min = 120 min',
      'A: 180 min + 720 min + 120 min = 1020 min = 17 h',
      'A: 17 h × 10 clients = 170 h',
      'B: 6 × CALL 15 min = 90 min',
      'B: 2 × MEETING_OFFICE 60 min = 120 min',
      'B: 90 min + 120 min = 210 min = 3.5 h',
      'B: 3.5 h × 30 clients = 105 h',
      'C: 2 × CALL 15 min = 30 min',
      'C: 4 × EMAIL 10 min = 40 min',
      'C: 30 min + 40 min = 70 min = 1.17 h',
      'C: 1.17 h × 60 clients = 70 h',
      'total: 170 h + 105 h + 70 h = 345 h',
      'managers: 345 h / 100 h per manager = 3.45 → 4',
    ]);
  });

  it('needs exactly as many managers as the hours fill, without rounding noise adding one', () => {
    // 0.1 h and 0.2 h sum to 0.30000000000000004 in floating point: still 3 managers of 0.1 h.
    const plan = capacityPlan([{ abcClass: 'A', operations: [{ operation: 'CALL', times: 0.4 }] }, { abcClass: 'B', operations: [{ operation: 'CALL', times: 0.8 }] }], { A: 1, B: 1 }, 0.1, norms);
    // A: 0.4 × 15 = 6 min = 0.1 h; B: 0.8 × 15 = 12 min = 0.2 h; 0.3 h / 0.1 h = 3
    expect(plan.totalHours).toBeCloseTo(0.3, 12);
    expect(plan.managersNeeded).toBe(3);
    expect(managersFor(2.000000000001)).toBe(2);
    expect(managersFor(2.01)).toBe(3);
    expect(managersFor(0)).toBe(0);
  });

  it('counts a class without clients as no hours, and an operation without a norm as no time', () => {
    const plan = capacityPlan([{ abcClass: 'B', operations: [{ operation: 'CALL', times: 10 }, { operation: 'UNKNOWN', times: 3 }] }], {}, 1600, norms);
    expect(plan.classes).toEqual([{ abcClass: 'B', clients: 0, hoursPerClient: 2.5, hours: 0 }]);
    expect(plan.totalHours).toBe(0);
    expect(plan.managersNeeded).toBe(0);
    expect(plan.terms).toContain('B: 3 × UNKNOWN 0 min = 0 min');
  });

  it('plans the managers for prospects over a period', () => {
    // per prospect: 2×15 + 1×60 + 1×60 = 150 min = 2.5 h; × 200 = 500 h
    // one manager in 6 months: 1500 × 6 / 12 = 750 h; 500 / 750 = 0.667 -> 1
    const operations = [
      { operation: 'CALL', times: 2 },
      { operation: 'MEETING_OFFICE', times: 1 },
      { operation: 'PRESENTATION', times: 1 },
    ];
    const plan = prospectCapacityPlan(200, 6, operations, 1500, norms);
    expect(plan).toEqual({
      hoursTotal: 500,
      managerHoursInPeriod: 750,
      managersExact: 500 / 750,
      managersNeeded: 1,
      terms: [
        'per prospect: 2 × CALL 15 min = 30 min',
        'per prospect: 1 × MEETING_OFFICE 60 min = 60 min',
        'per prospect: 1 × PRESENTATION 60 min = 60 min',
        'per prospect: 30 min + 60 min + 60 min = 150 min = 2.5 h',
        'total: 2.5 h × 200 prospects = 500 h',
        'per manager: 1500 h × 6 months / 12 = 750 h',
        'managers: 500 h / 750 h = 0.67 → 1',
      ],
    });
    // 600 prospects in 3 months: 1500 h / 375 h = exactly 4 managers.
    expect(prospectCapacityPlan(600, 3, operations, 1500, norms)).toMatchObject({ hoursTotal: 1500, managerHoursInPeriod: 375, managersExact: 4, managersNeeded: 4 });
  });

  it('writes numbers with at most two decimals', () => {
    expect([formatNumber(7), formatNumber(7.5), formatNumber(1 / 3), formatNumber(1020)]).toEqual(['7', '7.5', '0.33', '1020']);
  });
});
