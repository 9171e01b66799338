import { CompaniesMerged, createEvent, type Envelope } from '@crm/events';
import { policyKey, PolicyTeamModel } from '@crm/policy';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { CampaignModel, type CampaignDoc } from '../src/modules/campaign/campaign.model';
import { campaignStats, MAX_CONTACTED } from '../src/modules/campaign/campaign.stats';
import { startAnalytics } from '../src/service';
import { connectProducer, newId, republished } from './events';
import { amountDeniedReader, errorPaths } from './money-rights';
import { activityLife, waitProcessedBy, wonDeal } from './revenue-events';

const FIGURES = 'calls meetings tasksDone tasksOverdue dealsWon revenue { amount currency unconverted { currency amount } }';
const MANAGERS = `query ($from: DateTime!, $to: DateTime!, $teamId: ID) {
  managerActivity(from: $from, to: $to, teamId: $teamId) { teamId managers { userId figures { ${FIGURES} } } team { ${FIGURES} } }
}`;
const CREATE = `mutation ($input: CreateCampaignInput!) { createCampaign(input: $input) { id name offer segmentId from to } }`;
const STATS = `query ($id: ID!) { campaignStats(id: $id) { sends responses responseRate companiesContacted deals dealsWon revenue { amount currency } truncated } }`;
const CAMPAIGN = `query ($id: ID!) { campaign(id: $id) { id name stats { sends } } }`;
const CAMPAIGNS = `query ($first: Int, $after: String) { campaigns(first: $first, after: $after) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }`;

const service = serviceUnderTest('analytics', startAnalytics, {
  allowedScans: [{ collection: 'deal_progress', keys: 'counted', why: "the funnel's one-time migration at start (settleUnsettledFacts)" }],
});
let producer: Awaited<ReturnType<typeof connectProducer>>;
const alice = testIdentity();
const request = (query: string, variables: object = {}, identity = alice) => subgraphRequest(service.url, identity, query, variables);
const money = (amount: number) => ({ amount, currency: 'EUR', unconverted: [] });
const tenant = alice.tenantId;

async function deliver(group: string, events: Envelope[]) {
  await producer.send(...events);
  await waitProcessedBy(group, events, service.env);
}

beforeAll(async () => {
  producer = await connectProducer();
  expect(errorCodes(await request(`mutation { setExchangeRates(rates: [{ currency: "USD", rate: 0.9 }]) { currency } }`))).toEqual([]);
});
afterAll(() => producer.close());

describe('manager activity', () => {
  beforeAll(async () => {
    const north = (assigneeId: string, kind: string) => ({ kind, assigneeId, teamId: 'team-north' });
    const activities = [
      ...activityLife(tenant, north('anna', 'CALL'), { completedAt: '2026-05-02T09:00:00.000Z' }),
      ...activityLife(tenant, north('anna', 'CALL'), { completedAt: '2026-05-02T11:00:00.000Z' }),
      ...activityLife(tenant, north('anna', 'MEETING'), { completedAt: '2026-05-03T15:00:00.000Z' }),
      ...activityLife(tenant, north('anna', 'TASK'), { completedAt: '2026-05-04T08:00:00.000Z' }),
      // Overdue on the 5th, done late on the 6th: overdue and done.
      ...activityLife(tenant, north('anna', 'TASK'), { overdueAt: '2026-05-05T16:00:00.000Z' }, { completedAt: '2026-05-06T10:00:00.000Z' }),
      ...activityLife(tenant, north('anna', 'CALL'), 'cancelled'),
      ...activityLife(tenant, north('anna', 'CALL'), { completedAt: '2026-05-08T09:00:00.000Z' }), // after the period
      ...activityLife(tenant, north('anna', 'EMAIL'), { completedAt: '2026-05-02T09:00:00.000Z' }), // neither call, meeting nor task
      ...activityLife(tenant, north('bob', 'CALL'), { completedAt: '2026-05-02T09:30:00.000Z' }),
      // Overdue, then cancelled: not counted.
      ...activityLife(tenant, north('bob', 'TASK'), { overdueAt: '2026-05-03T16:00:00.000Z' }, 'cancelled'),
      ...activityLife(tenant, { kind: 'MEETING', assigneeId: 'carl', teamId: 'team-south' }, { completedAt: '2026-05-02T13:00:00.000Z' }),
    ];
    const deals = [
      ...wonDeal(tenant, { companyId: newId(), amount: 1000, wonAt: '2026-05-03T12:00:00.000Z', ownerId: 'anna', teamId: 'team-north' }),
      ...wonDeal(tenant, { companyId: newId(), amount: 500, currency: 'USD', wonAt: '2026-05-04T12:00:00.000Z', ownerId: 'bob', teamId: 'team-north' }),
      ...wonDeal(tenant, { companyId: newId(), amount: 300, wonAt: '2026-05-02T12:00:00.000Z', ownerId: 'carl', teamId: 'team-south' }),
    ];
    await Promise.all([deliver('analytics.activity-facts', activities), deliver('analytics.sales-facts', deals)]);
    // Every event again under a new id (a replay): nothing counts twice.
    await Promise.all([deliver('analytics.activity-facts', activities.map(republished)), deliver('analytics.sales-facts', deals.map(republished))]);
  });
  const period = { from: '2026-05-01T00:00:00.000Z', to: '2026-05-08T00:00:00.000Z' };

  it('counts per manager and for the team calls, meetings, tasks done and overdue, next to deals won and revenue', async () => {
    const result = dataOf(await request(MANAGERS, { ...period, teamId: 'team-north' })).managerActivity;
    expect(result).toEqual({
      teamId: 'team-north',
      managers: [
        { userId: 'anna', figures: { calls: 2, meetings: 1, tasksDone: 2, tasksOverdue: 1, dealsWon: 1, revenue: money(1000) } },
        { userId: 'bob', figures: { calls: 1, meetings: 0, tasksDone: 0, tasksOverdue: 0, dealsWon: 1, revenue: money(450) } },
      ],
      team: { calls: 3, meetings: 1, tasksDone: 2, tasksOverdue: 1, dealsWon: 2, revenue: money(1450) },
    });
  });

  it('sums the whole tenant without a team, and only its days', async () => {
    const all = dataOf(await request(MANAGERS, period)).managerActivity;
    expect(all.managers.map((row: any) => row.userId)).toEqual(['anna', 'bob', 'carl']);
    expect(all.team).toEqual({ calls: 3, meetings: 2, tasksDone: 2, tasksOverdue: 1, dealsWon: 3, revenue: money(1750) });
    const secondOnly = dataOf(await request(MANAGERS, { from: '2026-05-02T00:00:00.000Z', to: '2026-05-03T00:00:00.000Z' })).managerActivity;
    expect(secondOnly.team).toMatchObject({ calls: 3, meetings: 1, tasksDone: 0, dealsWon: 1, revenue: money(300) });
    // Another tenant sees none of it.
    expect(dataOf(await request(MANAGERS, period, testIdentity())).managerActivity).toMatchObject({ managers: [], team: { calls: 0, dealsWon: 0 } });
  });

  it('lists only the managers of the analytics read scope, with a team filter or without: OWN the own row, TEAM the people of the teams', async () => {
    const anna = testIdentity(tenant, ['manager'], 'anna');
    const head = testIdentity(tenant, ['head_of_sales']);
    // The policy's view of the directory (as TeamChanged leaves it): the head leads Anna and Bob.
    await PolicyTeamModel.create({ _id: policyKey(tenant, 'team-north'), tenantId: tenant, teamId: 'team-north', leadId: head.userId, memberIds: ['anna', 'bob'], revision: 1, deleted: false });
    const tenantWide = { calls: 3, meetings: 2, tasksDone: 2, tasksOverdue: 1, dealsWon: 3, revenue: money(1750) };
    const managersOf = (result: any) => result.managers.map((row: any) => row.userId);

    // OWN: a team filter is refused, and leaving it out shows Anna's own row, not Bob's or Carl's figures.
    expect(errorCodes(await request(MANAGERS, { ...period, teamId: 'team-north' }, anna))).toEqual(['FORBIDDEN']);
    const own = dataOf(await request(MANAGERS, period, anna)).managerActivity;
    expect(own.managers).toEqual([{ userId: 'anna', figures: { calls: 2, meetings: 1, tasksDone: 2, tasksOverdue: 1, dealsWon: 1, revenue: money(1000) } }]);
    expect(own.team).toEqual(tenantWide);

    // TEAM: the people of the teams the head leads, whether the team is named or not; another team is refused.
    expect(managersOf(dataOf(await request(MANAGERS, { ...period, teamId: 'team-north' }, head)).managerActivity)).toEqual(['anna', 'bob']);
    expect(errorCodes(await request(MANAGERS, { ...period, teamId: 'team-south' }, head))).toEqual(['FORBIDDEN']);
    const team = dataOf(await request(MANAGERS, period, head)).managerActivity;
    expect(managersOf(team)).toEqual(['anna', 'bob']);
    expect(team.team).toEqual(tenantWide);
  });

  it('gives a role denied Deal.amount each revenue as null with FORBIDDEN on its path, the activity counts and deals won intact', async () => {
    const reader = await amountDeniedReader(tenant);
    const full = dataOf(await request(MANAGERS, { ...period, teamId: 'team-north' })).managerActivity;
    // One manager's revenue is often one deal's amount (here Anna's 1000 is): it follows Deal.amount, and so does the team's.
    expect(full.managers[0].figures.revenue).toEqual(money(1000));
    const withoutRevenue = (figures: any) => ({ ...figures, revenue: null });
    const denied = await request(MANAGERS, { ...period, teamId: 'team-north' }, reader);
    expect(denied.data?.managerActivity).toEqual({
      teamId: 'team-north',
      managers: full.managers.map((row: any) => ({ userId: row.userId, figures: withoutRevenue(row.figures) })),
      team: withoutRevenue(full.team),
    });
    expect(errorPaths(denied)).toEqual(['managerActivity.managers.0.figures.revenue FORBIDDEN', 'managerActivity.managers.1.figures.revenue FORBIDDEN', 'managerActivity.team.revenue FORBIDDEN']);
  });

  it('refuses a period that is not one', async () => {
    expect(errorCodes(await request(MANAGERS, { from: period.to, to: period.from }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await request(MANAGERS, { from: '2024-01-01T00:00:00.000Z', to: period.to }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await request(MANAGERS, { from: '2000-01-01T00:00:00.000Z', to: '2999-12-31T00:00:00.000Z' }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('campaigns', () => {
  let winterOffer: string;

  it('counts sends, responses and the deals that followed within the window', async () => {
    const now = Date.now();
    const window = { from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 30 * 86_400_000).toISOString() };
    const segmentId = newId();
    const { createCampaign } = dataOf(await request(CREATE, { input: { name: 'Winter offer', offer: '10% off deep cleaning', segmentId, ...window } }));
    expect(createCampaign).toMatchObject({ name: 'Winter offer', offer: '10% off deep cleaning', segmentId, from: window.from, to: window.to });
    const campaignId = createCampaign.id;
    winterOffer = campaignId;
    const [answered, silent, dropped, other] = [newId(), newId(), newId(), newId()];
    const send = (kind: string, companyId: string) => ({ kind, assigneeId: 'anna', teamId: 'team-north', companyId, campaignId });
    const sends = [
      ...activityLife(tenant, send('EMAIL', answered), { completedAt: new Date(now).toISOString(), response: true }),
      ...activityLife(tenant, send('EMAIL', silent), { completedAt: new Date(now).toISOString(), response: false }),
      ...activityLife(tenant, send('LETTER', dropped), 'cancelled'),
    ];
    const deals = [
      ...wonDeal(tenant, { companyId: answered, amount: 800, wonAt: new Date(now).toISOString() }),
      ...wonDeal(tenant, { companyId: silent, amount: 200, wonAt: new Date(now).toISOString() }).slice(0, 1), // open
      ...wonDeal(tenant, { companyId: answered, amount: 999, wonAt: new Date(now).toISOString(), createdAt: new Date(now - 5 * 86_400_000) }), // before the window
      ...wonDeal(tenant, { companyId: other, amount: 700, wonAt: new Date(now).toISOString() }), // not contacted
    ];
    await Promise.all([deliver('analytics.activity-facts', sends), deliver('analytics.sales-facts', deals)]);

    expect(dataOf(await request(STATS, { id: campaignId })).campaignStats).toEqual({
      sends: 2,
      responses: 1,
      responseRate: 0.5,
      companiesContacted: 2,
      deals: 2,
      dealsWon: 1,
      revenue: { amount: 800, currency: 'EUR' },
      truncated: false,
    });
    expect(dataOf(await request(CAMPAIGN, { id: campaignId })).campaign).toEqual({ id: campaignId, name: 'Winter offer', stats: { sends: 2 } });
    expect(errorCodes(await request(CAMPAIGN, { id: campaignId }, testIdentity()))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await request(STATS, { id: 'nope' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('gives a role denied Deal.amount the revenue that followed as null with FORBIDDEN, the sends, responses and deals intact', async () => {
    const reader = await amountDeniedReader(tenant);
    // One won deal followed the winter offer: its revenue is that deal's amount.
    const full = dataOf(await request(STATS, { id: winterOffer })).campaignStats;
    expect(full).toMatchObject({ dealsWon: 1, revenue: { amount: 800, currency: 'EUR' } });
    const byId = await request(STATS, { id: winterOffer }, reader);
    expect(byId.data?.campaignStats).toEqual({ ...full, revenue: null });
    expect(errorPaths(byId)).toEqual(['campaignStats.revenue FORBIDDEN']);
    // Campaign.stats answers the same.
    const nested = await request(`query ($id: ID!) { campaign(id: $id) { stats { deals revenue { amount } } } }`, { id: winterOffer }, reader);
    expect(nested.data?.campaign).toEqual({ stats: { deals: 2, revenue: null } });
    expect(errorPaths(nested)).toEqual(['campaign.stats.revenue FORBIDDEN']);
  });

  it('pages the campaigns newest first and refuses bad ones', async () => {
    const bob = testIdentity();
    const input = (name: string) => ({ name, offer: 'Offer', segmentId: newId(), from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' });
    for (const name of ['First', 'Second', 'Third']) expect(errorCodes(await request(CREATE, { input: input(name) }, bob))).toEqual([]);
    const first = dataOf(await request(CAMPAIGNS, { first: 2 }, bob)).campaigns;
    expect(first.edges.map((edge: any) => edge.node.name)).toEqual(['Third', 'Second']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = dataOf(await request(CAMPAIGNS, { first: 2, after: first.pageInfo.endCursor }, bob)).campaigns;
    expect(second.edges.map((edge: any) => edge.node.name)).toEqual(['First']);
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect(errorCodes(await request(CREATE, { input: { ...input('Backwards'), to: '2025-01-01T00:00:00.000Z' } }, bob))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await request(CREATE, { input: { ...input(''), name: ' ' } }, bob))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await request(CAMPAIGNS, { first: 500 }, bob))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await request(CAMPAIGNS, { after: 'garbage' }, bob))).toEqual(['BAD_USER_INPUT']);
  });

  it('lets admins, heads of sales and managers create campaigns, and no one else', async () => {
    const tenantId = testIdentity().tenantId;
    const input = { name: 'Spring offer', offer: 'Offer', segmentId: newId(), from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };
    for (const role of ['admin', 'head_of_sales', 'manager']) expect(errorCodes(await request(CREATE, { input }, testIdentity(tenantId, [role])))).toEqual([]);
    expect(errorCodes(await request(CREATE, { input }, testIdentity(tenantId, ['analyst'])))).toEqual(['FORBIDDEN']);
    expect(await CampaignModel.countDocuments({ tenantId })).toBe(3);
  });

  it('computes the stats of at most 10 campaigns per request, in a page or by id', async () => {
    const carol = testIdentity();
    const input = (name: string) => ({ name, offer: 'Offer', segmentId: newId(), from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' });
    const ids: string[] = [];
    for (let i = 1; i <= 11; i += 1) ids.push(dataOf(await request(CREATE, { input: input(`Campaign ${i}`) }, carol)).createCampaign.id);
    const page = (withStats: boolean) => `query ($first: Int) { campaigns(first: $first) { edges { node { name ${withStats ? 'stats { sends truncated }' : ''} } } } }`;
    const ten = dataOf(await request(page(true), { first: 10 }, carol)).campaigns.edges;
    expect(ten.map((edge: any) => edge.node.stats)).toEqual(Array.from({ length: 10 }, () => ({ sends: 0, truncated: false })));
    const eleven = await request(page(true), { first: 11 }, carol);
    expect(eleven.errors?.map((error) => error.extensions)).toEqual([{ code: 'QUERY_TOO_COMPLEX', limit: 'campaignStats', max: 10 }]);
    // Without stats a page of 11 is no trouble; by id, the eleventh is refused too.
    expect(dataOf(await request(page(false), { first: 11 }, carol)).campaigns.edges).toHaveLength(11);
    const byId = `{ ${ids.map((id, i) => `c${i}: campaignStats(id: "${id}") { sends }`).join(' ')} }`;
    expect(errorCodes(await request(byId, {}, carol))).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('reads a bounded number of deals per campaign and says when it left some out', async () => {
    const dave = testIdentity();
    const now = Date.now();
    const window = { from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 30 * 86_400_000).toISOString() };
    const { createCampaign } = dataOf(await request(CREATE, { input: { name: 'Bounded', offer: 'Offer', segmentId: newId(), ...window } }, dave));
    const [first, second] = [newId(), newId()];
    const send = (companyId: string) => ({ kind: 'EMAIL', assigneeId: 'anna', companyId, campaignId: createCampaign.id });
    const sends = [...activityLife(dave.tenantId, send(first), { completedAt: new Date(now).toISOString() }), ...activityLife(dave.tenantId, send(second), { completedAt: new Date(now).toISOString() })];
    const deals = [first, first, second].flatMap((companyId) => wonDeal(dave.tenantId, { companyId, amount: 100, wonAt: new Date(now).toISOString() }));
    await Promise.all([deliver('analytics.activity-facts', sends), deliver('analytics.sales-facts', deals)]);
    const campaign = (await CampaignModel.findOne({ _id: createCampaign.id, tenantId: dave.tenantId }).lean<CampaignDoc>())!;

    expect(await campaignStats(dave.tenantId, campaign)).toMatchObject({ companiesContacted: 2, deals: 3, dealsWon: 3, revenue: money(300), truncated: false });
    // Two deals at most: two of the three counted, and said so.
    expect(await campaignStats(dave.tenantId, campaign, { sends: MAX_CONTACTED, deals: 2 })).toMatchObject({ sends: 2, deals: 2, dealsWon: 2, revenue: money(200), truncated: true });
    // Exactly as many deals as the bound: nothing left out.
    expect(await campaignStats(dave.tenantId, campaign, { sends: MAX_CONTACTED, deals: 3 })).toMatchObject({ deals: 3, truncated: false });
    // One send at most: one company's deals, and said so (the sends themselves are counted in full).
    expect(await campaignStats(dave.tenantId, campaign, { sends: 1, deals: 10 })).toMatchObject({ sends: 2, companiesContacted: 1, truncated: true });
  });

  it('counts a company merged since as the one it was merged into, with the deals under either id', async () => {
    const erin = testIdentity();
    const now = Date.now();
    const window = { from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 30 * 86_400_000).toISOString() };
    const { createCampaign } = dataOf(await request(CREATE, { input: { name: 'Merged', offer: 'Offer', segmentId: newId(), ...window } }, erin));
    const [primary, duplicate, older] = [newId(), newId(), newId()];
    const send = (companyId: string) => ({ kind: 'EMAIL', assigneeId: 'anna', companyId, campaignId: createCampaign.id });
    const at = new Date(now).toISOString();
    // The campaign reached the primary and its duplicate; a deal of each, and one of a company merged into the duplicate before.
    const sends = [...activityLife(erin.tenantId, send(primary), { completedAt: at }), ...activityLife(erin.tenantId, send(duplicate), { completedAt: at })];
    const deals = [primary, duplicate, older].flatMap((companyId) => wonDeal(erin.tenantId, { companyId, amount: 100, wonAt: at }));
    await Promise.all([deliver('analytics.activity-facts', sends), deliver('analytics.sales-facts', deals)]);
    const campaign = (await CampaignModel.findOne({ _id: createCampaign.id, tenantId: erin.tenantId }).lean<CampaignDoc>())!;
    expect(await campaignStats(erin.tenantId, campaign)).toMatchObject({ companiesContacted: 2, deals: 2, dealsWon: 2, revenue: money(200) });

    const merges = [
      createEvent(CompaniesMerged, { tenantId: erin.tenantId, aggregateId: duplicate, occurredAt: new Date(now - 3_600_000) }, { primaryId: duplicate, mergedIds: [older] }),
      createEvent(CompaniesMerged, { tenantId: erin.tenantId, aggregateId: primary, occurredAt: new Date(now) }, { primaryId: primary, mergedIds: [duplicate] }),
    ];
    await deliver('analytics.facts', merges);
    expect(await campaignStats(erin.tenantId, campaign)).toMatchObject({ companiesContacted: 1, deals: 3, dealsWon: 3, revenue: money(300), truncated: false });
    // Another tenant's merge of the same ids changes nothing here.
    const foreign = createEvent(CompaniesMerged, { tenantId: alice.tenantId, aggregateId: newId(), occurredAt: new Date(now) }, { primaryId: newId(), mergedIds: [primary] });
    await deliver('analytics.facts', [foreign]);
    expect(await campaignStats(erin.tenantId, campaign)).toMatchObject({ companiesContacted: 1, deals: 3 });
  });
});
