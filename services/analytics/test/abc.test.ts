import { CompaniesMerged, createEvent, topics, type Envelope } from '@crm/events';
import { readTopics, type TopicReader } from '@crm/messaging/testing';
import { defaultPermissions, policyKey, PolicyRoleModel, PolicyTeamModel } from '@crm/policy';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import pino from 'pino';
import { AbcAnalysisModel } from '../src/modules/abc/abc.models';
import { lastTwelveMonths, runNightlyAbc } from '../src/modules/abc/abc.nightly';
import { monthsBetween } from '../src/modules/fact-counters/periods';
import { startAnalytics } from '../src/service';
import { connectProducer, newId, republished } from './events';
import { amountDeniedReader, errorPaths } from './money-rights';
import { companyCreated, dealReopened, paymentReceived, potentialChanged, timeNormsChanged, waitProcessedBy, wonDeal } from './revenue-events';

const ANALYSIS = `query ($from: DateTime!, $to: DateTime!, $basis: AbcBasis) {
  abcAnalysis(from: $from, to: $to, basis: $basis) {
    basis periodFrom periodTo currency total companies
    counts { A B C }
    thresholds { a b }
    unconverted { currency amount }
    rows { company { id } revenue share cumulativeShare abcClass potential { amount currency unconverted { currency amount } } }
  }
}`;
const RUN = `mutation ($from: DateTime!, $to: DateTime!, $basis: AbcBasis) {
  runAbcAnalysis(from: $from, to: $to, basis: $basis) { changedClasses analysis { counts { A B C } } }
}`;
const THRESHOLDS = `mutation ($a: Float!, $b: Float!) { setAbcThresholds(a: $a, b: $b) { a b } }`;
const RATES = `mutation { setExchangeRates(rates: [{ currency: "USD", rate: 0.9 }]) { currency } }`;
const CAPACITY = `query ($input: CapacityPlanInput!) {
  capacityPlan(input: $input) { classes { abcClass clients hoursPerClient hours } totalHours managersExact managersNeeded terms }
}`;

const service = serviceUnderTest('analytics', startAnalytics, {
  allowedScans: [{ collection: 'deal_progress', keys: 'counted', why: "the funnel's one-time migration at start (settleUnsettledFacts)" }],
});
let producer: Awaited<ReturnType<typeof connectProducer>>;
let classes: TopicReader;

const alice = testIdentity();
const [alpha, beta, gamma, delta, echo] = [newId(), newId(), newId(), newId(), newId()];
const period = { from: '2026-01-15T00:00:00.000Z', to: '2026-04-10T00:00:00.000Z' };
const request = (query: string, variables: object = {}, identity = alice) => subgraphRequest(service.url, identity, query, variables);
const analysis = async (variables: object, identity = alice) => dataOf(await request(ANALYSIS, variables, identity)).abcAnalysis;
const classOf = (rows: any[]) => rows.map((row) => [row.company.id, row.abcClass]);

beforeAll(async () => {
  [producer, classes] = await Promise.all([connectProducer(), readTopics([topics.companyClass])]);
  const reopenedDeal = newId();
  const revenue: Envelope[] = [
    ...wonDeal(alice.tenantId, { companyId: alpha, amount: 400, wonAt: '2026-01-20T10:00:00.000Z' }),
    ...wonDeal(alice.tenantId, { companyId: alpha, amount: 200, wonAt: '2026-03-05T10:00:00.000Z' }),
    ...wonDeal(alice.tenantId, { companyId: alpha, amount: 1000, wonAt: '2025-12-20T10:00:00.000Z' }), // before the period's months
    ...wonDeal(alice.tenantId, { companyId: beta, amount: 200, currency: 'USD', wonAt: '2026-02-10T10:00:00.000Z' }), // 180 EUR at 0.9
    ...wonDeal(alice.tenantId, { companyId: beta, amount: 20, wonAt: '2026-04-05T10:00:00.000Z' }),
    ...wonDeal(alice.tenantId, { companyId: gamma, amount: 100, wonAt: '2026-02-01T10:00:00.000Z' }),
    ...wonDeal(alice.tenantId, { companyId: gamma, amount: 500, wonAt: '2026-02-01T10:00:00.000Z', dealId: reopenedDeal }),
    dealReopened(alice.tenantId, reopenedDeal), // its win taken back
    ...wonDeal(alice.tenantId, { companyId: delta, amount: 100, wonAt: '2026-03-15T10:00:00.000Z' }),
    ...wonDeal(alice.tenantId, { companyId: echo, amount: 50, currency: 'JPY', wonAt: '2026-03-15T10:00:00.000Z' }), // no rate
  ];
  const payments = [
    paymentReceived(alice.tenantId, gamma, 'PAY-1', 300, '2026-02-03T12:00:00.000Z'),
    paymentReceived(alice.tenantId, alpha, 'PAY-2', 100, '2026-02-04T12:00:00.000Z'),
  ];
  const companies = [
    companyCreated(alice.tenantId, alpha, 'Alpha', { amount: 100_000, currency: 'EUR' }),
    companyCreated(alice.tenantId, beta, 'Beta', { amount: 50_000, currency: 'USD' }),
    companyCreated(alice.tenantId, gamma, 'Gamma'),
    companyCreated(alice.tenantId, delta, 'Delta'),
  ];
  const potential = potentialChanged(alice.tenantId, gamma, 'Gamma', null, { amount: 10, currency: 'GBP' });
  await producer.send(...companies, potential, ...revenue, ...payments);
  // Redeliveries and a replay of payments under new ids: nothing counts twice.
  const again = [...revenue.slice(0, 4), ...payments].map(republished);
  await producer.send(...again);
  expect(errorCodes(await request(RATES))).toEqual([]);
  await Promise.all([
    waitProcessedBy('analytics.sales-facts', [...revenue, ...again.filter((event) => event.type.startsWith('Deal'))], service.env),
    waitProcessedBy('analytics.payment-facts', [...payments, ...again.filter((event) => event.type.startsWith('Erp'))], service.env),
    waitProcessedBy('analytics.facts', companies, service.env),
    waitProcessedBy('analytics.company-potentials', [...companies, potential], service.env),
  ]);
});
afterAll(async () => {
  await Promise.all([producer.close(), classes.close()]);
});

describe('ABC analysis', () => {
  it('classifies the companies by the deals won in the months of the period, converted to the base currency', async () => {
    const result = await analysis(period);
    // Alpha 600 (0.6 A), Beta 180 + 20 = 200 (0.8 A), Delta 100 and Gamma 100 tie: Delta first by name (0.9 B), Gamma (1.0 C)
    expect(result).toMatchObject({
      basis: 'WON_DEALS',
      periodFrom: '2026-01-01T00:00:00.000Z',
      periodTo: '2026-05-01T00:00:00.000Z',
      currency: 'EUR',
      total: 1000,
      companies: 4,
      counts: { A: 2, B: 1, C: 1 },
      thresholds: { a: 0.8, b: 0.95 },
      unconverted: [{ currency: 'JPY', amount: 50 }],
    });
    expect(result.rows.map((row: any) => [row.company.id, row.revenue, row.share, row.cumulativeShare, row.abcClass])).toEqual([
      [alpha, 600, 0.6, 0.6, 'A'],
      [beta, 200, 0.2, 0.8, 'A'],
      [delta, 100, 0.1, 0.9, 'B'],
      [gamma, 100, 0.1, 1, 'C'],
    ]);
    expect(result.rows.map((row: any) => row.potential)).toEqual([
      { amount: 100_000, currency: 'EUR', unconverted: [] },
      { amount: 45_000, currency: 'EUR', unconverted: [] },
      null,
      { amount: 0, currency: 'EUR', unconverted: [{ currency: 'GBP', amount: 10 }] },
    ]);
  });

  it('classifies by ERP payments, each payment counted once however often it arrives', async () => {
    const result = await analysis({ ...period, basis: 'PAYMENTS' });
    expect(result.total).toBe(400);
    expect(result.rows.map((row: any) => [row.company.id, row.revenue, row.abcClass])).toEqual([
      [gamma, 300, 'A'],
      [alpha, 100, 'C'],
    ]);
  });

  it('gives a role denied Deal.amount the won-deals revenue, shares and total as null with FORBIDDEN, classes and counts intact; payments in full', async () => {
    const reader = await amountDeniedReader(alice.tenantId);
    const full = await analysis(period);
    expect(full.total).toBe(1000);
    const denied = await request(ANALYSIS, period, reader);
    // A company's revenue is the sum of its won deals' amounts (Gamma's 100 is one deal): it
    // follows Deal.amount, as do the shares it makes and the total; the classes and the potential (its own right) stay.
    expect(denied.data?.abcAnalysis).toEqual({
      ...full,
      total: null,
      unconverted: null,
      rows: full.rows.map((row: any) => ({ ...row, revenue: null, share: null, cumulativeShare: null })),
    });
    expect(errorPaths(denied)).toEqual(
      ['abcAnalysis.total', 'abcAnalysis.unconverted', ...[0, 1, 2, 3].flatMap((i) => ['revenue', 'share', 'cumulativeShare'].map((field) => `abcAnalysis.rows.${i}.${field}`))]
        .map((path) => `${path} FORBIDDEN`)
        .sort(),
    );
    // ERP payments are no deal amounts (the deals service shows them to any reader of the company): answered in full.
    expect(await analysis({ ...period, basis: 'PAYMENTS' }, reader)).toEqual(await analysis({ ...period, basis: 'PAYMENTS' }));
  });

  it('follows the tenant thresholds and refuses impossible ones', async () => {
    const bob = testIdentity();
    expect(dataOf(await request(THRESHOLDS, { a: 0.5, b: 0.9 }, bob)).setAbcThresholds).toEqual({ a: 0.5, b: 0.9 });
    expect(errorCodes(await request(THRESHOLDS, { a: 0.9, b: 0.5 }, bob))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await request(THRESHOLDS, { a: 0, b: 0.5 }, bob))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await request(THRESHOLDS, { a: 0.5, b: 1.5 }, bob))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await request(THRESHOLDS, { a: 0.5, b: 0.9 }, testIdentity(bob.tenantId, ['manager'])))).toEqual(['FORBIDDEN']);
    // Bob's tenant has no revenue: nothing of Alice's crosses over.
    expect(await analysis(period, bob)).toMatchObject({ total: 0, companies: 0, rows: [], thresholds: { a: 0.5, b: 0.9 } });
  });

  it('refuses a period that is not one', async () => {
    expect(errorCodes(await request(ANALYSIS, { from: period.to, to: period.from }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await request(ANALYSIS, { from: 'yesterday', to: period.to }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await request(ANALYSIS, { from: '2000-01-01T00:00:00.000Z', to: period.to }))).toEqual(['BAD_USER_INPUT']);
  });

  it('publishes each changed class once when run, and nothing when run again unchanged', async () => {
    expect(errorCodes(await request(RUN, period, testIdentity(alice.tenantId, ['manager'])))).toEqual(['FORBIDDEN']);
    const first = dataOf(await request(RUN, period)).runAbcAnalysis;
    expect(first).toEqual({ changedClasses: 4, analysis: { counts: { A: 2, B: 1, C: 1 } } });
    const published = await waitPublished(4);
    expect(published.map((event) => [event.aggregateId, event.data.abcClass, event.data.revenue12m]).sort()).toEqual(
      [
        [alpha, 'A', 600],
        [beta, 'A', 200],
        [delta, 'B', 100],
        [gamma, 'C', 100],
      ].sort(),
    );
    expect(published[0]).toMatchObject({ type: 'CompanyAbcClassChanged', version: 1, source: 'analytics', actorId: alice.userId, data: { currency: 'EUR', basis: 'WON_DEALS', periodFrom: period.from } });

    expect(dataOf(await request(RUN, period)).runAbcAnalysis.changedClasses).toBe(0);
    // Payments make Gamma A and Alpha C; Beta and Delta, without payments, become C.
    expect(dataOf(await request(RUN, { ...period, basis: 'PAYMENTS' })).runAbcAnalysis.changedClasses).toBe(4);
    const after = await waitPublished(8);
    expect(after.slice(4).map((event) => [event.aggregateId, event.data.abcClass]).sort()).toEqual(
      [
        [gamma, 'A'],
        [alpha, 'C'],
        [beta, 'C'],
        [delta, 'C'],
      ].sort(),
    );
    // Back to the won deals for the capacity plan below.
    expect(dataOf(await request(RUN, period)).runAbcAnalysis.changedClasses).toBe(4);
  });

  it('takes the 12 whole months before the current one as the last 12 months', () => {
    const mid = lastTwelveMonths(new Date('2026-03-15T02:30:00.000Z'));
    expect(mid).toEqual({ from: new Date('2025-03-01T00:00:00.000Z'), to: new Date('2026-03-01T00:00:00.000Z') });
    expect(monthsBetween(mid.from, mid.to)).toEqual(['2025-03', '2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02']);
    // Across a year end, and at the first instant of a month (the month just ended is the last one).
    expect(lastTwelveMonths(new Date('2026-01-31T23:59:59.999Z'))).toEqual({ from: new Date('2025-01-01T00:00:00.000Z'), to: new Date('2026-01-01T00:00:00.000Z') });
    expect(lastTwelveMonths(new Date('2026-04-01T00:00:00.000Z'))).toEqual({ from: new Date('2025-04-01T00:00:00.000Z'), to: new Date('2026-04-01T00:00:00.000Z') });
  });

  it('runs the nightly analysis of the last 12 months once per tenant and day, with two instances at once', async () => {
    const now = new Date('2026-05-20T02:30:00.000Z');
    const logger = pino({ level: 'silent' });
    const [one, two] = await Promise.all([runNightlyAbc(now, logger), runNightlyAbc(now, logger)]);
    expect([...one, ...two].filter((tenantId) => tenantId === alice.tenantId)).toEqual([alice.tenantId]);
    expect(await runNightlyAbc(new Date('2026-05-20T23:00:00.000Z'), logger)).not.toContain(alice.tenantId);
    const stored = await AbcAnalysisModel.findOne({ _id: alice.tenantId, tenantId: alice.tenantId }).lean();
    // May 2025 to April 2026: Alpha's win of December 2025 now counts, 1600 of 2000 (0.8 A), Beta 0.9 B, Delta 0.95 B, Gamma 1.0 C.
    expect(stored).toMatchObject({ basis: 'WON_DEALS', from: new Date('2025-05-01T00:00:00.000Z'), to: new Date('2026-05-01T00:00:00.000Z'), total: 2000, counts: { A: 1, B: 2, C: 1 } });
    expect(await runNightlyAbc(new Date('2026-05-21T02:30:00.000Z'), logger)).toContain(alice.tenantId);
  });
});

describe('ABC rows and rights', () => {
  // Olga (another team) 500, Mia 300, Max 200: 0.5 A, 0.8 A, 1.0 C in the tenant's order.
  const admin = testIdentity();
  const tenantId = admin.tenantId;
  const mia = testIdentity(tenantId, ['manager'], 'mia');
  const head = testIdentity(tenantId, ['head_of_sales']);
  const [ofOlga, ofMia, ofMax] = [newId(), newId(), newId()];
  const rowsOf = (result: any) => result.rows.map((row: any) => [row.company.id, row.revenue, row.share, row.cumulativeShare, row.abcClass]);

  beforeAll(async () => {
    // The policy's view of the directory (as TeamChanged and PermissionsChanged leave it): the head
    // leads Mia and Max; this tenant denies managers the company potential.
    await PolicyTeamModel.create({ _id: policyKey(tenantId, 'north'), tenantId, teamId: 'north', leadId: head.userId, memberIds: ['mia', 'max'], revision: 1, deleted: false });
    await PolicyRoleModel.create({ _id: policyKey(tenantId, 'manager'), tenantId, role: 'manager', rights: defaultPermissions('manager').rights, deniedFields: ['Company.potential'], revision: 1 });
    const companies = [
      companyCreated(tenantId, ofOlga, 'Olga GmbH', null, 'olga'),
      companyCreated(tenantId, ofMia, 'Mia AG', { amount: 1000, currency: 'EUR' }, 'mia'),
      companyCreated(tenantId, ofMax, 'Max KG', { amount: 2000, currency: 'EUR' }, 'max'),
    ];
    const revenue = [
      ...wonDeal(tenantId, { companyId: ofOlga, amount: 500, wonAt: '2026-02-10T10:00:00.000Z', ownerId: 'olga' }),
      ...wonDeal(tenantId, { companyId: ofMia, amount: 300, wonAt: '2026-02-10T10:00:00.000Z', ownerId: 'mia' }),
      ...wonDeal(tenantId, { companyId: ofMax, amount: 200, wonAt: '2026-02-10T10:00:00.000Z', ownerId: 'max' }),
    ];
    await producer.send(...companies, ...revenue);
    await Promise.all([
      waitProcessedBy('analytics.sales-facts', revenue, service.env),
      waitProcessedBy('analytics.facts', companies, service.env),
      waitProcessedBy('analytics.company-potentials', companies, service.env),
    ]);
  });

  it('gives a role denied Company.potential null with FORBIDDEN on each row potential, the rest of the answer intact', async () => {
    const answer = await request(ANALYSIS, period, mia);
    expect(answer.data?.abcAnalysis.rows).toEqual([
      { company: { id: ofMia }, revenue: 300, share: 0.3, cumulativeShare: 0.3, abcClass: 'A', potential: null },
    ]);
    expect(answer.errors?.map((error) => [error.path?.join('.'), error.extensions?.code])).toEqual([['abcAnalysis.rows.0.potential', 'FORBIDDEN']]);
    // A role not denied it sees the potentials.
    const seen = await analysis(period, head);
    expect(seen.rows.map((row: any) => row.potential?.amount ?? null)).toEqual([1000, 2000]);
  });

  it('lists the companies of the analytics read scope only: OWN the own, TEAM those of the teams, ALL every one; totals stay tenant-wide', async () => {
    const totals = { total: 1000, companies: 3, counts: { A: 2, B: 0, C: 1 } };
    const all = await analysis(period, admin);
    expect(all).toMatchObject(totals);
    expect(rowsOf(all)).toEqual([
      [ofOlga, 500, 0.5, 0.5, 'A'],
      [ofMia, 300, 0.3, 0.8, 'A'],
      [ofMax, 200, 0.2, 1, 'C'],
    ]);
    // The cumulative share counts the rows shown only: Olga's 500 above Mia's row does not show through it.
    // (Mia's role is denied the potential: its FORBIDDEN errors are the first test's concern.)
    const own = (await request(ANALYSIS, period, mia)).data?.abcAnalysis;
    expect(own).toMatchObject(totals);
    expect(rowsOf(own)).toEqual([[ofMia, 300, 0.3, 0.3, 'A']]);
    const team = await analysis(period, head);
    expect(team).toMatchObject(totals);
    expect(rowsOf(team)).toEqual([
      [ofMia, 300, 0.3, 0.3, 'A'],
      [ofMax, 200, 0.2, 0.5, 'C'],
    ]);
    // `first` counts the rows of the scope.
    const first = dataOf(await request(`query ($from: DateTime!, $to: DateTime!) { abcAnalysis(from: $from, to: $to) { rows(first: 1) { company { id } } } }`, period, head)).abcAnalysis;
    expect(first.rows).toEqual([{ company: { id: ofMia } }]);
  });
});

describe('ABC after companies were merged', () => {
  const bob = testIdentity();
  const [primo, merged, other, zeta] = [newId(), newId(), newId(), newId()];
  const merge = (primaryId: string, mergedIds: string[], at: string) =>
    createEvent(CompaniesMerged, { tenantId: bob.tenantId, aggregateId: primaryId, occurredAt: new Date(at) }, { primaryId, mergedIds });
  const rowsOf = (result: any) => result.rows.map((row: any) => [row.company.id, row.revenue, row.abcClass]);

  it("counts a merged company's revenue as the primary's, through later merges too, and gives the merged one no class of its own", async () => {
    const revenue = [
      ...wonDeal(bob.tenantId, { companyId: merged, amount: 350, wonAt: '2026-02-10T10:00:00.000Z' }),
      ...wonDeal(bob.tenantId, { companyId: primo, amount: 300, wonAt: '2026-02-11T10:00:00.000Z' }),
      ...wonDeal(bob.tenantId, { companyId: other, amount: 100, wonAt: '2026-02-12T10:00:00.000Z' }),
      ...wonDeal(bob.tenantId, { companyId: zeta, amount: 50, wonAt: '2026-02-13T10:00:00.000Z' }),
    ];
    const payments = [paymentReceived(bob.tenantId, merged, 'PAY-M', 90, '2026-02-14T12:00:00.000Z'), paymentReceived(bob.tenantId, other, 'PAY-O', 10, '2026-02-15T12:00:00.000Z')];
    const companies = [companyCreated(bob.tenantId, primo, 'Primo'), companyCreated(bob.tenantId, merged, 'Merged'), companyCreated(bob.tenantId, other, 'Other'), companyCreated(bob.tenantId, zeta, 'Zeta')];
    await producer.send(...companies, ...revenue, ...payments);
    await Promise.all([
      waitProcessedBy('analytics.sales-facts', revenue, service.env),
      waitProcessedBy('analytics.payment-facts', payments, service.env),
      waitProcessedBy('analytics.facts', companies, service.env),
    ]);
    // Before: Merged 350 (0.44 A), Primo 300 (0.81 B), Other 100 (0.94 B), Zeta 50 (C); stored by a run.
    expect(rowsOf(await analysis(period, bob))).toEqual([
      [merged, 350, 'A'],
      [primo, 300, 'B'],
      [other, 100, 'B'],
      [zeta, 50, 'C'],
    ]);
    expect(dataOf(await request(RUN, period, bob)).runAbcAnalysis.changedClasses).toBe(4);

    const first = merge(primo, [merged], '2026-03-01T10:00:00.000Z');
    await producer.send(first);
    await waitProcessedBy('analytics.facts', [first], service.env);
    // Primo 650 (0.81 B), Other 100 (0.94 B), Zeta 50 (C): Merged is no row, and a run gives it no C.
    expect(rowsOf(await analysis(period, bob))).toEqual([
      [primo, 650, 'B'],
      [other, 100, 'B'],
      [zeta, 50, 'C'],
    ]);
    expect(dataOf(await request(RUN, period, bob)).runAbcAnalysis.changedClasses).toBe(0);
    expect(rowsOf(await analysis({ ...period, basis: 'PAYMENTS' }, bob))).toEqual([
      [primo, 90, 'B'],
      [other, 10, 'C'],
    ]);

    // Primo merged into Zeta later (another partition's event may come first: the chain is followed when read).
    const second = merge(zeta, [primo], '2026-03-02T10:00:00.000Z');
    await producer.send(second, republished(first));
    await waitProcessedBy('analytics.facts', [second], service.env);
    expect(rowsOf(await analysis(period, bob))).toEqual([
      [zeta, 700, 'B'],
      [other, 100, 'C'],
    ]);
  });
});

describe('capacity plan', () => {
  it('uses the tenant time norms and the counts of the latest stored analysis', async () => {
    const norms = timeNormsChanged(alice.tenantId, { CALL: 30 });
    await producer.send(norms);
    await waitProcessedBy('analytics.time-norms', [norms], service.env);
    // Latest stored: the nightly run of 2026-05-21 (A 1, B 2, C 1).
    // A: 10 × CALL 30 min = 300 min = 5 h × 1 = 5 h; B: 4 × 30 = 120 min = 2 h × 2 = 4 h; total 9 h / 4 h = 2.25 -> 3
    const input = {
      contactPlan: [
        { abcClass: 'A', operations: [{ operation: 'CALL', perYear: 10 }] },
        { abcClass: 'B', operations: [{ operation: 'CALL', perYear: 4 }] },
      ],
      sellingHoursPerManagerYear: 4,
    };
    const plan = dataOf(await request(CAPACITY, { input })).capacityPlan;
    expect(plan).toMatchObject({
      classes: [
        { abcClass: 'A', clients: 1, hoursPerClient: 5, hours: 5 },
        { abcClass: 'B', clients: 2, hoursPerClient: 2, hours: 4 },
      ],
      totalHours: 9,
      managersExact: 2.25,
      managersNeeded: 3,
    });
    expect(plan.terms[0]).toBe('A: 10 × CALL 30 min = 300 min');
    // Given counts win over the stored ones; another tenant has its own norms (the defaults).
    const bob = testIdentity();
    const given = dataOf(await request(CAPACITY, { input: { ...input, clientCounts: [{ abcClass: 'A', count: 4 }] } }, bob)).capacityPlan;
    expect(given).toMatchObject({ classes: [{ clients: 4, hoursPerClient: 2.5, hours: 10 }, { clients: 0, hours: 0 }], totalHours: 10, managersNeeded: 3 });
  });

  it('refuses plans it cannot compute', async () => {
    const plan = { contactPlan: [{ abcClass: 'A', operations: [{ operation: 'CALL', perYear: 1 }] }], sellingHoursPerManagerYear: 1600 };
    expect(errorCodes(await request(CAPACITY, { input: plan }, testIdentity()))).toEqual(['FAILED_PRECONDITION']);
    expect(errorCodes(await request(CAPACITY, { input: { ...plan, sellingHoursPerManagerYear: 0 } }))).toEqual(['BAD_USER_INPUT']);
    const twice = { ...plan, contactPlan: [{ abcClass: 'A', operations: [{ operation: 'CALL', perYear: 1 }, { operation: 'CALL', perYear: 2 }] }] };
    expect(errorCodes(await request(CAPACITY, { input: twice }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await request(CAPACITY, { input: { ...plan, clientCounts: [{ abcClass: 'A', count: -1 }] } }))).toEqual(['BAD_USER_INPUT']);
    // More managers than a GraphQL Int holds: refused, not an internal error.
    const huge = { contactPlan: [{ abcClass: 'A', operations: [{ operation: 'MEETING_ON_SITE', perYear: 100_000 }] }], clientCounts: [{ abcClass: 'A', count: 10_000_000 }], sellingHoursPerManagerYear: 1 };
    expect(errorCodes(await request(CAPACITY, { input: huge }))).toEqual(['BAD_USER_INPUT']);
  });
});

/** The CompanyAbcClassChanged of Alice's tenant published so far, once `count` have arrived. */
async function waitPublished(count: number) {
  const mine = () => classes.messages.map((message) => message.event!).filter((event) => event?.tenantId === alice.tenantId) as Envelope<any>[];
  await classes.waitFor(() => mine().length >= count, `${count} class changes`);
  return mine();
}
