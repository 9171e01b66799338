import { movesBetween, type Contribution } from '../src/modules/fact-counters/counted-fact';
import { daysBetween, monthsBetween } from '../src/modules/fact-counters/periods';
import { activityContributions } from '../src/modules/activity-facts/activity-fact.contributions';
import { salesContributions } from '../src/modules/won-deals/sales-fact';

const at = (kind: string, subject: string, period: string, field: string, value: number): Contribution => ({ counter: { kind, subject, period }, field, value });

describe('counter moves', () => {
  it('moves a won amount from one month to another and takes back what a fact no longer adds', () => {
    const before = [at('company-revenue', 'c1', '2026-01', 'won_EUR', 100)];
    const after = [at('company-revenue', 'c1', '2026-02', 'won_EUR', 120)];
    expect([...movesBetween(before, after).values()]).toEqual([
      { ref: { kind: 'company-revenue', subject: 'c1', period: '2026-01' }, inc: { won_EUR: -100 } },
      { ref: { kind: 'company-revenue', subject: 'c1', period: '2026-02' }, inc: { won_EUR: 120 } },
    ]);
    expect([...movesBetween(after, []).values()].map((move) => move.inc)).toEqual([{ won_EUR: -120 }]);
  });

  it('moves nothing when a fact adds the same as before', () => {
    const same = [at('user-activity', 'anna', '2026-05-02', 'calls', 1), at('user-activity', 'anna', '2026-05-02', 'tasksDone', 1)];
    expect(movesBetween(same, [...same].reverse()).size).toBe(0);
    // Only the changed field of a counter moves.
    const moved = movesBetween(same, [same[0]!, at('user-activity', 'anna', '2026-05-02', 'tasksDone', 2)]);
    expect([...moved.values()].map((move) => move.inc)).toEqual([{ tasksDone: 1 }]);
  });
});

describe('periods', () => {
  it('widens a range to the whole months and days it touches', () => {
    expect(monthsBetween(new Date('2025-11-15T00:00:00Z'), new Date('2026-02-01T00:00:00Z'))).toEqual(['2025-11', '2025-12', '2026-01']);
    expect(monthsBetween(new Date('2025-11-15T00:00:00Z'), new Date('2026-02-01T00:00:01Z'))).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(daysBetween(new Date('2026-02-27T12:00:00Z'), new Date('2026-03-02T00:00:00Z'))).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  });

  it('lists at most one period more than the most a caller takes, however long the range', () => {
    // A thousand years: a caller refusing more than 366 days (or 60 months) lists 367 (61), not 365,000.
    const [from, to] = [new Date('2000-01-01T00:00:00Z'), new Date('2999-12-31T00:00:00Z')];
    expect(daysBetween(from, to, 366)).toHaveLength(367);
    expect(monthsBetween(from, to, 60)).toHaveLength(61);
    expect(daysBetween(from, new Date('2000-01-02T00:00:01Z'), 366)).toEqual(['2000-01-01', '2000-01-02']);
    expect(monthsBetween(from, new Date('2000-02-01T00:00:00Z'), 60)).toEqual(['2000-01']);
  });
});

describe('what facts add', () => {
  it('counts a won deal for its company month and its owner day, and nothing open', () => {
    const fact = { companyId: 'c1', ownerId: 'anna', teamId: 'north', createdAt: null, status: 'WON' as const, wonAt: new Date('2026-03-31T23:30:00Z'), amount: 500, currency: 'USD', lastEventAt: new Date() };
    expect(salesContributions(fact)).toEqual([
      { counter: { kind: 'company-revenue', subject: 'c1', period: '2026-03' }, field: 'won_USD', value: 500 },
      { counter: { kind: 'user-results', subject: 'anna', group: 'north', period: '2026-03-31' }, field: 'won_USD', value: 500 },
      { counter: { kind: 'user-results', subject: 'anna', group: 'north', period: '2026-03-31' }, field: 'dealsWon', value: 1 },
    ]);
    expect(salesContributions({ ...fact, status: 'OPEN', wonAt: null })).toEqual([]);
  });

  it('counts an activity done, overdue, sent and answered, and a cancelled one as nothing', () => {
    const base = { kind: 'TASK', assigneeId: 'anna', teamId: null, companyId: 'c1', campaignId: 'k1', status: 'DONE' as const, createdAt: new Date('2026-05-01T10:00:00Z'), completedAt: new Date('2026-05-06T10:00:00Z'), overdueAt: new Date('2026-05-05T16:00:00Z'), response: true, lastEventAt: new Date() };
    expect(activityContributions(base).map(({ counter, field }) => `${counter.kind} ${counter.period} ${field}`)).toEqual([
      'user-activity 2026-05-06 tasksDone',
      'user-activity 2026-05-05 tasksOverdue',
      'campaign 2026-05-01 sends',
      'campaign 2026-05-01 responses',
    ]);
    expect(activityContributions({ ...base, status: 'CANCELLED' })).toEqual([]);
    expect(activityContributions({ ...base, kind: 'EMAIL', overdueAt: null, campaignId: null })).toEqual([]);
  });
});
