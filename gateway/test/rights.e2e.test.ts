// Issue 10, roles and rights through the gateway: a matrix over role × object × action × scope for
// companies, contacts, deals, activities, leads, pipelines and analytics. Teams reach every service as
// TeamChanged events (published here as the directory would); every denial is FORBIDDEN and writes nothing.
import { LOCAL_JWT_SECRET, signUserToken } from '@crm/auth';
import { createEvent, TeamChanged } from '@crm/events';
import { createTestProducer, uniqueId } from '@crm/messaging/testing';
import { dataOf, errorCodes, gatewayClient, testIdentity, useStack, waitFor, type GraphQLResponse } from '@crm/testing';

const stack = useStack();
const producer = createTestProducer();

const tenantId = uniqueId('rights');
const who = {
  admin: testIdentity(tenantId, ['admin'], uniqueId('admin')),
  head: testIdentity(tenantId, ['head_of_sales'], uniqueId('head')),
  m1: testIdentity(tenantId, ['manager'], uniqueId('m1')),
  m2: testIdentity(tenantId, ['manager'], uniqueId('m2')),
  m3: testIdentity(tenantId, ['manager'], uniqueId('m3')),
  auditor: testIdentity(tenantId, ['auditor'], uniqueId('auditor')),
};
type Who = keyof typeof who;
type Owner = 'm1' | 'm2' | 'm3';
const owners: Owner[] = ['m1', 'm2', 'm3'];
const as = (user: Who) => gatewayClient(stack.gatewayUrl, who[user]);

/** Records of every entity, one per owner: m1 and m2 are in the head's team North, m3 in South. */
const ids: Record<'company' | 'contact' | 'deal' | 'activity', Record<Owner, string>> = { company: {} as never, contact: {} as never, deal: {} as never, activity: {} as never };
let pipeline: { id: string; stages: { id: string; name: string }[] };

function team(teamId: string, leadId: string, memberIds: string[], revision: number) {
  return createEvent(TeamChanged, { tenantId, aggregateId: teamId, correlationId: uniqueId('corr'), actorId: who.admin.userId }, {
    teamId,
    change: 'UPDATED',
    name: teamId,
    leadId,
    memberIds,
    territoryIds: [],
    industries: [],
    keyCompanyIds: [],
    revision,
    deleted: false,
  });
}

const expectForbidden = (response: GraphQLResponse) => expect(errorCodes(response)).toContain('FORBIDDEN');

beforeAll(async () => {
  // The directory's teams (an older revision after a newer one changes nothing).
  await producer.send(team('north', who.head.userId, [who.m1.userId, who.m2.userId], 2), team('north', who.head.userId, [], 1), team('south', uniqueId('head2'), [who.m3.userId], 1));
  // Every service learnt the teams once the head reads m2's records everywhere (probed per service below).
  const admin = as('admin');
  ({ createPipeline: pipeline } = dataOf(
    await admin(`mutation { createPipeline(input: { name: "Rights", stages: [
      { name: "Prospect", probability: 0.1 }, { name: "Proposal", probability: 0.5 },
      { name: "Contract signed", probability: 0.9, allowedRoles: ["head_of_sales"] }, { name: "Won", probability: 1, kind: WON } ] }) { id stages { id name allowedRoles } } }`),
  ));
  for (const owner of owners) {
    const ownerId = who[owner].userId;
    ids.company[owner] = dataOf(await admin(`mutation ($o: ID) { createCompany(input: { name: "Co ${owner} ${uniqueId('c')}", ownerId: $o, potential: { amount: 1000, currency: "EUR" }, profile: { solvency: { rating: "A" } } }) { id } }`, { o: ownerId })).createCompany.id;
    ids.contact[owner] = dataOf(await admin(`mutation ($o: ID) { createContact(input: { firstName: "Pat", lastName: "${owner}", ownerId: $o }) { id } }`, { o: ownerId })).createContact.id;
    ids.activity[owner] = dataOf(await admin(`mutation ($o: ID) { createActivity(input: { kind: CALL, subject: "Call ${owner}", assigneeId: $o, dueAt: "2031-02-01T09:00:00Z" }) { id } }`, { o: ownerId })).createActivity.id;
  }
  for (const owner of owners) {
    const input = { title: `Deal ${owner}`, companyId: ids.company[owner], pipelineId: pipeline.id, amount: 5000, currency: 'EUR', ownerId: who[owner].userId };
    ids.deal[owner] = await waitFor(async () => (await admin(`mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`, { input })).data?.createDeal?.id, { what: 'deals to know the company' });
  }
  const head = as('head');
  await waitFor(async () => (await head(`query ($id: ID!) { company(id: $id) { id } }`, { id: ids.company.m2 })).data?.company, { what: 'contacts to learn the teams' });
  await waitFor(async () => (await head(`query ($id: ID!) { deal(id: $id) { id } }`, { id: ids.deal.m2 })).data?.deal, { what: 'deals to learn the teams' });
  await waitFor(async () => (await head(`query ($id: ID!) { activity(id: $id) { id } }`, { id: ids.activity.m2 })).data?.activity, { what: 'activities to learn the teams' });
}, 180_000);

afterAll(async () => {
  await producer.close();
});

const READ = {
  company: `query ($id: ID!) { company(id: $id) { id ownerId } }`,
  contact: `query ($id: ID!) { contact(id: $id) { id ownerId } }`,
  deal: `query ($id: ID!) { deal(id: $id) { id ownerId } }`,
  activity: `query ($id: ID!) { activity(id: $id) { id assigneeId } }`,
} as const;
const UPDATE = {
  company: `mutation ($id: ID!, $v: String!) { updateCompany(id: $id, input: { industry: $v }) { id industry } }`,
  contact: `mutation ($id: ID!, $v: String!) { updateContact(id: $id, input: { position: $v }) { id position } }`,
  deal: `mutation ($id: ID!, $v: String!) { updateDeal(id: $id, input: { title: $v }) { id title } }`,
  activity: `mutation ($id: ID!, $v: String!) { updateActivity(id: $id, input: { subject: $v }) { id subject } }`,
} as const;
/** What an update writes, read back as an admin: unchanged after a denial. */
const WRITTEN = {
  company: async (id: string) => dataOf(await as('admin')(`query ($id: ID!) { company(id: $id) { industry ownerId } }`, { id })).company,
  contact: async (id: string) => dataOf(await as('admin')(`query ($id: ID!) { contact(id: $id) { position ownerId } }`, { id })).contact,
  deal: async (id: string) => dataOf(await as('admin')(`query ($id: ID!) { deal(id: $id) { title ownerId stage { name } } }`, { id })).deal,
  activity: async (id: string) => dataOf(await as('admin')(`query ($id: ID!) { activity(id: $id) { subject assigneeId } }`, { id })).activity,
} as const;
const ASSIGN = {
  company: `mutation ($id: ID!, $o: ID) { updateCompany(id: $id, input: { ownerId: $o }) { id ownerId } }`,
  contact: `mutation ($id: ID!, $o: ID) { updateContact(id: $id, input: { ownerId: $o }) { id ownerId } }`,
  deal: `mutation ($id: ID!, $o: ID) { updateDeal(id: $id, input: { ownerId: $o }) { id ownerId } }`,
  activity: `mutation ($id: ID!, $o: ID) { updateActivity(id: $id, input: { assigneeId: $o }) { id assigneeId } }`,
} as const;
const CREATE = {
  company: `mutation ($o: ID, $n: String!) { createCompany(input: { name: $n, ownerId: $o }) { id } }`,
  contact: `mutation ($o: ID, $n: String!) { createContact(input: { firstName: "New", lastName: $n, ownerId: $o }) { id } }`,
  activity: `mutation ($o: ID, $n: String!) { createActivity(input: { kind: TASK, subject: $n, assigneeId: $o }) { id } }`,
} as const;
const FOUND_BY_NAME = {
  company: async (name: string) => dataOf(await as('admin')(`query ($n: JSON) { companies(first: 5, filter: { field: NAME, op: EQ, value: $n }) { totalCount } }`, { n: name })).companies.totalCount,
  contact: async (name: string) => dataOf(await as('admin')(`query ($n: JSON) { contacts(first: 5, filter: { field: LAST_NAME, op: EQ, value: $n }) { totalCount } }`, { n: name })).contacts.totalCount,
  activity: async (name: string) => (dataOf(await as('admin')(`query { activities(first: 200) { subject } }`)).activities as { subject: string }[]).filter((a) => a.subject === name).length,
} as const;

type Entity = keyof typeof READ;
const entities: Entity[] = ['company', 'contact', 'deal', 'activity'];
const ok = true;
const no = false;

/** role → owner of the record → allowed (defaults: manager OWN + TEAM read, head TEAM, admin ALL, auditor nothing until set). */
const readMatrix: [Who, Record<Owner, boolean>][] = [
  ['admin', { m1: ok, m2: ok, m3: ok }],
  ['head', { m1: ok, m2: ok, m3: no }],
  ['m1', { m1: ok, m2: ok, m3: no }],
  ['m3', { m1: no, m2: no, m3: ok }],
  ['auditor', { m1: no, m2: no, m3: no }],
];
const writeMatrix: [Who, Record<Owner, boolean>][] = [
  ['admin', { m1: ok, m2: ok, m3: ok }],
  ['head', { m1: ok, m2: ok, m3: no }],
  ['m1', { m1: ok, m2: no, m3: no }],
  ['auditor', { m1: no, m2: no, m3: no }],
];

describe.each(entities)('%s rights through the gateway', (entity) => {
  it.each(readMatrix)('reads by id as %s within the row scope only', async (user, expected) => {
    for (const owner of owners) {
      const response = await as(user)(READ[entity], { id: ids[entity][owner] });
      if (expected[owner]) expect(response.data?.[entity]?.id).toBe(ids[entity][owner]);
      else expectForbidden(response);
    }
  });

  it.each(writeMatrix)('updates as %s within the row scope only, writing nothing on denial', async (user, expected) => {
    for (const owner of owners) {
      const id = ids[entity][owner];
      const before = await WRITTEN[entity](id);
      const value = `by ${user} ${uniqueId('v')}`;
      const response = await as(user)(UPDATE[entity], { id, v: value });
      if (expected[owner]) expect(errorCodes(response)).toEqual([]);
      else {
        expectForbidden(response);
        expect(await WRITTEN[entity](id)).toEqual(before);
      }
    }
  });

  it('lets a manager keep, not give away, their records; a head of sales assigns within the team', async () => {
    const id = ids[entity].m1;
    const before = await WRITTEN[entity](id);
    expectForbidden(await as('m1')(ASSIGN[entity], { id, o: who.m2.userId }));
    expect(await WRITTEN[entity](id)).toEqual(before);
    expectForbidden(await as('head')(ASSIGN[entity], { id, o: who.m3.userId }));
    expect(await WRITTEN[entity](id)).toEqual(before);
    expect(errorCodes(await as('head')(ASSIGN[entity], { id, o: who.m2.userId }))).toEqual([]);
    expect(errorCodes(await as('admin')(ASSIGN[entity], { id, o: who.m1.userId }))).toEqual([]);
  });
});

describe.each(['company', 'contact', 'activity'] as const)('creating a %s', (entity) => {
  it.each([
    ['m1', 'm1', ok],
    ['m1', 'm2', no],
    ['head', 'm2', ok],
    ['head', 'm3', no],
    ['admin', 'm3', ok],
    ['auditor', 'auditor', no],
  ] as [Who, Who, boolean][])('as %s for %s', async (user, owner, allowed) => {
    const name = uniqueId(`new-${entity}`);
    const response = await as(user)(CREATE[entity], { o: who[owner].userId, n: name });
    if (allowed) expect(errorCodes(response)).toEqual([]);
    else {
      expectForbidden(response);
      expect(await FOUND_BY_NAME[entity](name)).toBe(0);
    }
  });
});

describe('lists carry the row scope in their store query', () => {
  const visible = (list: { id: string }[], entity: Entity) => owners.filter((owner) => list.some((row) => row.id === ids[entity][owner]));

  it.each([
    ['admin', ['m1', 'm2', 'm3']],
    ['head', ['m1', 'm2']],
    ['m1', ['m1', 'm2']],
    ['m3', ['m3']],
  ] as [Who, Owner[]][])('as %s', async (user, expected) => {
    const call = as(user);
    const companies = dataOf(await call(`{ companies(first: 100) { edges { node { id } } } }`)).companies.edges.map((edge: { node: { id: string } }) => edge.node);
    expect(visible(companies, 'company')).toEqual(expected);
    const contacts = dataOf(await call(`{ contacts(first: 100) { edges { node { id } } } }`)).contacts.edges.map((edge: { node: { id: string } }) => edge.node);
    expect(visible(contacts, 'contact')).toEqual(expected);
    expect(visible(dataOf(await call(`{ activities(first: 200) { id } }`)).activities, 'activity')).toEqual(expected);
  });

  it('answers FORBIDDEN to a role without the read right, and to another user\'s agenda outside the scope', async () => {
    expectForbidden(await as('auditor')(`{ companies(first: 5) { totalCount } }`));
    expectForbidden(await as('auditor')(`{ contacts(first: 5) { totalCount } }`));
    expectForbidden(await as('auditor')(`{ activities(first: 5) { id } }`));
    expectForbidden(await as('m1')(`query ($u: ID!) { activities(first: 5, assigneeId: $u) { id } }`, { u: who.m3.userId }));
    const agenda = `query ($u: ID, $t: ID) { agenda(from: "2031-02-01T00:00:00Z", to: "2031-02-02T00:00:00Z", userId: $u, teamId: $t) { activities { id } } }`;
    expect(errorCodes(await as('m1')(agenda, { u: who.m2.userId }))).toEqual([]);
    expectForbidden(await as('m1')(agenda, { u: who.m3.userId }));
    expect(errorCodes(await as('head')(agenda, { t: 'north' }))).toEqual([]);
    expectForbidden(await as('head')(agenda, { t: 'south' }));
  });

  it('exports only the companies in the export scope, and nothing without the right', async () => {
    const EXPORT = `mutation { exportCompanies(format: CSV) { url } }`;
    const csvOf = async (user: Who) => {
      const { url } = dataOf(await as(user)(EXPORT)).exportCompanies;
      const token = await signUserToken(who[user], process.env.JWT_SECRET ?? LOCAL_JWT_SECRET);
      const response = await fetch(`${stack.gatewayUrl.replace(/\/graphql$/, '')}${url}`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      return response.text();
    };
    // A manager exports their own companies (export is OWN by default), a head of sales the team's.
    const mine = await csvOf('m1');
    expect(owners.filter((owner) => mine.includes(ids.company[owner]))).toEqual(['m1']);
    const team = await csvOf('head');
    expect(owners.filter((owner) => team.includes(ids.company[owner]))).toEqual(['m1', 'm2']);
    expectForbidden(await as('auditor')(EXPORT));
  });

  it('merges only records the user may update (the primary) and delete (the others), writing nothing otherwise', async () => {
    const MERGE = `mutation ($ids: [ID!]!, $p: ID!) { mergeCompanies(ids: $ids, primaryId: $p) { id } }`;
    const [mine, foreign] = [ids.company.m1, ids.company.m3];
    expectForbidden(await as('m1')(MERGE, { ids: [mine, foreign], p: mine }));
    expectForbidden(await as('m1')(MERGE, { ids: [mine, foreign], p: foreign }));
    expectForbidden(await as('m1')(`query ($id: ID!) { companyDuplicates(id: $id) { company { id } } }`, { id: foreign }));
    expect(errorCodes(await as('m1')(`query ($id: ID!) { companyDuplicates(id: $id) { company { id } } }`, { id: mine }))).toEqual([]);
    expect(dataOf(await as('admin')(`query ($id: ID!) { company(id: $id) { id mergedIds } }`, { id: foreign })).company).toEqual({ id: foreign, mergedIds: [] });
    expect(dataOf(await as('admin')(`query ($id: ID!) { company(id: $id) { id mergedIds } }`, { id: mine })).company).toEqual({ id: mine, mergedIds: [] });
  });

  it('hides references outside the scope: a company\'s deals, a contact\'s company', async () => {
    // A company of m1 with deals of m1 and m3: m1 sees their own deal only, m3 not the company at all.
    const admin = as('admin');
    const companyId = ids.company.m1;
    const foreign = { title: 'Foreign deal', companyId, pipelineId: pipeline.id, amount: 100, currency: 'EUR', ownerId: who.m3.userId };
    const foreignId = dataOf(await admin(`mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`, { input: foreign })).createDeal.id;
    const deals = (dataOf(await as('m1')(`query ($id: ID!) { company(id: $id) { deals { id } } }`, { id: companyId })).company.deals as { id: string }[]).map((deal) => deal.id);
    expect(deals).toContain(ids.deal.m1);
    expect(deals).not.toContain(foreignId);
    const seen = dataOf(await as('m3')(`query ($id: ID!) { deal(id: $id) { id company { id name } } }`, { id: foreignId })).deal;
    expect(seen).toEqual({ id: foreignId, company: null });
  });
});

describe('deals: moves, stages, creation', () => {
  const MOVE = `mutation ($id: ID!, $s: ID!) { moveDealToStage(id: $id, stageId: $s) { id stage { name } } }`;
  const stage = (name: string) => pipeline.stages.find((s) => s.name === name)!.id;

  it('moves a deal within the update scope, into a restricted stage only with its role', async () => {
    const id = ids.deal.m1;
    expectForbidden(await as('m3')(MOVE, { id, s: stage('Proposal') }));
    expect((await WRITTEN.deal(id)).stage.name).toBe('Prospect');
    expect(dataOf(await as('m1')(MOVE, { id, s: stage('Proposal') })).moveDealToStage.stage.name).toBe('Proposal');
    expectForbidden(await as('m1')(MOVE, { id, s: stage('Contract signed') }));
    expect((await WRITTEN.deal(id)).stage.name).toBe('Proposal');
    expect(dataOf(await as('head')(MOVE, { id, s: stage('Contract signed') })).moveDealToStage.stage.name).toBe('Contract signed');
  });

  it.each([
    ['m1', 'm1', ok],
    ['m1', 'm2', no],
    ['head', 'm2', ok],
    ['head', 'm3', no],
    ['auditor', 'auditor', no],
  ] as [Who, Who, boolean][])('creates a deal as %s for %s', async (user, owner, allowed) => {
    const title = uniqueId('new-deal');
    const input = { title, companyId: ids.company.m1, pipelineId: pipeline.id, amount: 10, currency: 'EUR', ownerId: who[owner].userId };
    const response = await as(user)(`mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`, { input });
    if (allowed) expect(errorCodes(response)).toEqual([]);
    else {
      expectForbidden(response);
      const titles = (dataOf(await as('admin')(`query ($id: ID!) { company(id: $id) { deals(first: 200) { title } } }`, { id: ids.company.m1 })).company.deals as { title: string }[]).map((deal) => deal.title);
      expect(titles).not.toContain(title);
    }
  });
});

describe('pipelines and analytics', () => {
  const CREATE_PIPELINE = `mutation ($n: String!) { createPipeline(input: { name: $n, stages: [{ name: "Only", probability: 0.5 }] }) { id } }`;

  it.each([
    ['admin', ok],
    ['head', ok],
    ['m1', no],
    ['auditor', no],
  ] as [Who, boolean][])('creates and changes pipelines as %s only with the pipeline rights', async (user, allowed) => {
    const name = uniqueId('pipeline');
    const create = await as(user)(CREATE_PIPELINE, { n: name });
    const rename = await as(user)(`mutation ($id: ID!, $n: String!) { updatePipeline(id: $id, input: { name: $n }) { id } }`, { id: pipeline.id, n: 'Rights' });
    const names = (dataOf(await as('admin')(`{ pipelines(first: 100) { name } }`)).pipelines as { name: string }[]).map((p) => p.name);
    if (allowed) {
      expect(errorCodes(create)).toEqual([]);
      expect(errorCodes(rename)).toEqual([]);
    } else {
      expectForbidden(create);
      expectForbidden(rename);
      expect(names).not.toContain(name);
    }
  });

  it('reads pipelines with the read right only', async () => {
    expect(errorCodes(await as('m1')(`{ pipelines(first: 5) { id } }`))).toEqual([]);
    expectForbidden(await as('auditor')(`{ pipelines(first: 5) { id } }`));
  });

  it('restricts team and owner filters of figures to the analytics scope', async () => {
    const FUNNEL = `query ($p: ID!, $f: FunnelFilter) { funnel(pipelineId: $p, filter: $f) { stages { name } } }`;
    await waitFor(async () => (await as('admin')(FUNNEL, { p: pipeline.id })).data?.funnel, { what: 'analytics to know the pipeline' });
    // Analytics learns the teams from the directory topic, apart from the pipeline's.
    await waitFor(async () => errorCodes(await as('head')(FUNNEL, { p: pipeline.id, f: { teamId: 'north' } })).length === 0, { what: 'analytics to learn the teams' });
    expectForbidden(await as('head')(FUNNEL, { p: pipeline.id, f: { teamId: 'south' } }));
    expect(errorCodes(await as('m1')(FUNNEL, { p: pipeline.id, f: { ownerId: who.m1.userId } }))).toEqual([]);
    expectForbidden(await as('m1')(FUNNEL, { p: pipeline.id, f: { ownerId: who.m2.userId } }));
    expectForbidden(await as('m1')(FUNNEL, { p: pipeline.id, f: { teamId: 'north' } }));
    expectForbidden(await as('auditor')(FUNNEL, { p: pipeline.id }));
    expect(errorCodes(await as('admin')(FUNNEL, { p: pipeline.id, f: { teamId: 'south' } }))).toEqual([]);
  });
});

describe('the tenant\'s permission model', () => {
  it('lets only admins set a role\'s rights, and applies them in every service, with denied fields as null and FORBIDDEN on their path', async () => {
    const SET = `mutation ($r: String!, $rights: [RightInput!]!, $d: [String!]!) { setRolePermissions(role: $r, rights: $rights, deniedFields: $d) { role customized revision rights { object action scope } deniedFields } }`;
    const rights = [
      { object: 'COMPANY', action: 'READ', scope: 'ALL' },
      { object: 'DEAL', action: 'READ', scope: 'ALL' },
    ];
    const denied = ['Company.profile.solvency', 'Company.potential', 'Deal.amount'];
    expectForbidden(await as('head')(SET, { r: 'auditor', rights, d: denied }));
    expect(dataOf(await as('admin')(`{ rolePermissions(role: "auditor") { customized rights { object } } }`)).rolePermissions).toEqual({ customized: false, rights: [] });
    expect(errorCodes(await as('admin')(SET, { r: 'admin', rights, d: [] }))).toEqual(['BAD_USER_INPUT']);
    const set = dataOf(await as('admin')(SET, { r: 'auditor', rights, d: denied })).setRolePermissions;
    expect(set).toMatchObject({ role: 'auditor', customized: true, revision: 1, deniedFields: denied });
    const roles = (dataOf(await as('head')(`{ roles { role builtIn customized } }`)).roles as { role: string }[]).map((r) => r.role);
    expect(roles).toEqual(['admin', 'auditor', 'head_of_sales', 'manager']);

    const auditor = as('auditor');
    const COMPANY = `query ($id: ID!) { company(id: $id) { id name potential { amount } profile { solvency { rating } } } }`;
    const company = await waitFor(async (): Promise<GraphQLResponse | undefined> => {
      const response = await auditor(COMPANY, { id: ids.company.m3 });
      return response.data?.company ? response : undefined;
    }, { what: 'contacts to apply PermissionsChanged' });
    expect(company.data!.company).toMatchObject({ id: ids.company.m3, potential: null, profile: { solvency: null } });
    expect(company.errors!.map((error) => [error.path?.join('.'), error.extensions?.code]).sort()).toEqual([
      ['company.potential', 'FORBIDDEN'],
      ['company.profile.solvency', 'FORBIDDEN'],
    ]);
    const deal = await waitFor(async (): Promise<GraphQLResponse | undefined> => {
      const response = await auditor(`query ($id: ID!) { deal(id: $id) { id title amount } }`, { id: ids.deal.m3 });
      return response.data?.deal ? response : undefined;
    }, { what: 'deals to apply PermissionsChanged' });
    expect(deal.data!.deal).toMatchObject({ id: ids.deal.m3, amount: null });
    expect(deal.errors!.map((error) => [error.path?.join('.'), error.extensions?.code])).toEqual([['deal.amount', 'FORBIDDEN']]);
    // Still no writes, and an admin keeps seeing everything.
    expectForbidden(await auditor(UPDATE.deal, { id: ids.deal.m3, v: 'audited' }));
    expect(dataOf(await as('admin')(`query ($id: ID!) { deal(id: $id) { amount } }`, { id: ids.deal.m3 })).deal.amount).toBe(5000);
  });

  it('keeps the money of the figures from a role denied Deal.amount once analytics applied PermissionsChanged, the counts intact', async () => {
    const SET = `mutation ($r: String!, $rights: [RightInput!]!, $d: [String!]!) { setRolePermissions(role: $r, rights: $rights, deniedFields: $d) { role } }`;
    const rights = [
      { object: 'DEAL', action: 'READ', scope: 'ALL' },
      { object: 'ANALYTICS', action: 'READ', scope: 'ALL' },
    ];
    expect(errorCodes(await as('admin')(SET, { r: 'figures_no_amount', rights, d: ['Deal.amount'] }))).toEqual([]);
    const reader = gatewayClient(stack.gatewayUrl, testIdentity(tenantId, ['figures_no_amount'], uniqueId('reader')));
    // The deal 360 view: the deal from deals, its pipeline's funnel from analytics.
    const VIEW = `query ($id: ID!) { deal(id: $id) { amount pipeline { funnel { totalDeals totalMoney { amount } stages { reached money { amount } } } } } }`;
    const view = await waitFor(async (): Promise<GraphQLResponse | undefined> => {
      const response = await reader(VIEW, { id: ids.deal.m1 });
      return response.data?.deal?.amount === null && response.data.deal.pipeline?.funnel?.totalMoney === null ? response : undefined;
    }, { what: 'deals and analytics to apply PermissionsChanged' });
    // An admin sees the same figures with their money.
    const seen = dataOf(await as('admin')(VIEW, { id: ids.deal.m1 })).deal;
    expect(seen.pipeline.funnel.totalMoney.amount).toBeGreaterThan(0);
    const funnel = seen.pipeline.funnel;
    expect(view.data!.deal).toEqual({ amount: null, pipeline: { funnel: { ...funnel, totalMoney: null, stages: funnel.stages.map((stage: { reached: number }) => ({ reached: stage.reached, money: null })) } } });
    expect(view.errors!.map((error) => `${error.path?.join('.')} ${error.extensions?.code}`).sort()).toEqual(
      ['deal.amount', 'deal.pipeline.funnel.totalMoney', ...funnel.stages.map((_: unknown, i: number) => `deal.pipeline.funnel.stages.${i}.money`)].map((path) => `${path} FORBIDDEN`).sort(),
    );
  });
});

describe('leads: the assignee is the owner', () => {
  const leadIds = {} as Record<Owner, string>;
  const LEAD = `query ($id: ID!) { lead(id: $id) { id assigneeId } }`;
  const QUALIFY = `mutation ($id: ID!, $v: String!) { qualifyLead(id: $id, input: { need: $v }) { id qualification { need } } }`;
  const CONVERT = `mutation ($id: ID!, $input: ConvertLeadInput) { convertLead(id: $id, input: $input) { id status conversion { dealId } } }`;
  const LEAD_WRITTEN = async (id: string) => dataOf(await as('admin')(`query ($id: ID!) { lead(id: $id) { status assigneeId qualification { need } conversion { companyId } } }`, { id })).lead;
  const CREATE_LEAD = `mutation ($c: String!) { createLead(input: { source: CALL, campaignId: $c }) { id } }`;
  const leadsWithCampaign = async (campaignId: string) => dataOf(await as('admin')(`query ($c: String) { leads(first: 5, filter: { campaignId: $c }) { totalCount } }`, { c: campaignId })).leads.totalCount;

  beforeAll(async () => {
    // One FIXED rule per owner, to an intake team of that owner alone (a FIXED rule's user works
    // in its team; a team of one without a lead widens no one's team scope).
    const admin = as('admin');
    for (const owner of owners) {
      await as(owner)(`{ me { id } }`); // in the directory, so a team may name them
      const teamId = dataOf(await admin(`mutation ($m: [ID!]) { createTeam(input: { name: "Lead intake ${uniqueId('t')}", memberIds: $m }) { id } }`, { m: [who[owner].userId] })).createTeam.id;
      const input = { name: `to ${owner}`, match: { industries: [`rights-${owner}`] }, teamId, method: 'FIXED', fixedUserId: who[owner].userId };
      dataOf(await admin(`mutation ($input: CreateRoutingRuleInput!) { createRoutingRule(input: $input) { id } }`, { input }));
      const lead = dataOf(await admin(`mutation ($i: String) { createLead(input: { source: WEB_FORM, name: "Lead ${owner}", industry: $i }) { id assigneeId } }`, { i: `rights-${owner}` })).createLead;
      expect(lead.assigneeId).toBe(who[owner].userId);
      leadIds[owner] = lead.id;
    }
  });

  it.each(readMatrix)('reads a lead by id as %s within the row scope only', async (user, expected) => {
    for (const owner of owners) {
      const response = await as(user)(LEAD, { id: leadIds[owner] });
      if (expected[owner]) expect(response.data?.lead?.id).toBe(leadIds[owner]);
      else expectForbidden(response);
    }
  });

  it.each([
    ['admin', ['m1', 'm2', 'm3']],
    ['head', ['m1', 'm2']],
    ['m1', ['m1', 'm2']],
    ['m3', ['m3']],
  ] as [Who, Owner[]][])('lists leads as %s within the read scope (in the store query)', async (user, expected) => {
    const listed = (dataOf(await as(user)(`{ leads(first: 100) { edges { node { id } } } }`)).leads.edges as { node: { id: string } }[]).map((edge) => edge.node.id);
    expect(owners.filter((owner) => listed.includes(leadIds[owner]))).toEqual(expected);
  });

  it('answers FORBIDDEN to the lead list of a role without the read right', async () => {
    expectForbidden(await as('auditor')(`{ leads(first: 5) { totalCount } }`));
  });

  it.each(writeMatrix)('qualifies as %s within the update scope only, writing nothing on denial', async (user, expected) => {
    for (const owner of owners) {
      const id = leadIds[owner];
      const before = await LEAD_WRITTEN(id);
      const response = await as(user)(QUALIFY, { id, v: `by ${user} ${uniqueId('v')}` });
      if (expected[owner]) expect(errorCodes(response)).toEqual([]);
      else {
        expectForbidden(response);
        expect(await LEAD_WRITTEN(id)).toEqual(before);
      }
    }
  });

  it.each([
    ['m1', ok],
    ['head', ok],
    ['auditor', no],
  ] as [Who, boolean][])('creates a lead as %s only with the create right', async (user, allowed) => {
    const campaignId = uniqueId('campaign');
    const response = await as(user)(CREATE_LEAD, { c: campaignId });
    if (allowed) expect(errorCodes(response)).toEqual([]);
    else expectForbidden(response);
    expect(await leadsWithCampaign(campaignId)).toBe(allowed ? 1 : 0);
  });

  it('converts only a lead the user may update, creating the deal in their scope', async () => {
    const before = await LEAD_WRITTEN(leadIds.m2);
    expectForbidden(await as('m1')(CONVERT, { id: leadIds.m2 }));
    expect(await LEAD_WRITTEN(leadIds.m2)).toEqual(before);
    const deal = { pipelineId: pipeline.id, title: 'From a lead', amount: 700, currency: 'EUR' };
    const converted = dataOf(await as('m1')(CONVERT, { id: leadIds.m1, input: { deal } })).convertLead;
    expect(converted).toMatchObject({ id: leadIds.m1, status: 'CONVERTED', conversion: { dealId: expect.any(String) } });
  });

  it('applies a tenant-defined role\'s lead rights: read and update all, but no conversion without the create rights', async () => {
    const desk = testIdentity(tenantId, ['lead_desk'], uniqueId('desk'));
    const asDesk = gatewayClient(stack.gatewayUrl, desk);
    expectForbidden(await asDesk(LEAD, { id: leadIds.m3 }));
    const SET = `mutation ($r: String!, $rights: [RightInput!]!) { setRolePermissions(role: $r, rights: $rights, deniedFields: []) { role customized } }`;
    const rights = [
      { object: 'LEAD', action: 'READ', scope: 'ALL' },
      { object: 'LEAD', action: 'UPDATE', scope: 'ALL' },
    ];
    expect(dataOf(await as('admin')(SET, { r: 'lead_desk', rights })).setRolePermissions).toEqual({ role: 'lead_desk', customized: true });
    await waitFor(async () => (await asDesk(LEAD, { id: leadIds.m3 })).data?.lead, { what: 'contacts to apply PermissionsChanged' });
    const listed = (dataOf(await asDesk(`{ leads(first: 100) { edges { node { id } } } }`)).leads.edges as { node: { id: string } }[]).map((edge) => edge.node.id);
    expect(owners.filter((owner) => listed.includes(leadIds[owner]))).toEqual(owners);
    expect(errorCodes(await asDesk(QUALIFY, { id: leadIds.m3, v: 'by the desk' }))).toEqual([]);
    // Converting creates a company and a person: rights the role does not have.
    const before = await LEAD_WRITTEN(leadIds.m2);
    expectForbidden(await asDesk(CONVERT, { id: leadIds.m2 }));
    expect(await LEAD_WRITTEN(leadIds.m2)).toEqual(before);
    expectForbidden(await asDesk(CREATE_LEAD, { c: uniqueId('campaign') }));
  });
});

describe('timelines', () => {
  it("show a deal's lines only to who may read the deal", async () => {
    const admin = as('admin');
    const companyId = dataOf(await admin(`mutation ($o: ID) { createCompany(input: { name: "Timeline ${uniqueId('c')}", ownerId: $o }) { id } }`, { o: who.m1.userId })).createCompany.id;
    const CREATE_DEAL = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`;
    const dealOf = (owner: Owner) => ({ title: `Timeline deal ${owner}`, companyId, pipelineId: pipeline.id, amount: 7000, currency: 'EUR', ownerId: who[owner].userId });
    const own = await waitFor(async () => (await admin(CREATE_DEAL, { input: dealOf('m1') })).data?.createDeal?.id, { what: 'deals to know the company' });
    const southern = dataOf(await admin(CREATE_DEAL, { input: dealOf('m3') })).createDeal.id;
    const TIMELINE = `query ($id: ID!) { company(id: $id) { timeline(first: 50) { edges { node { kind ... on DealEntry { deal { id } } } } } } }`;
    const dealsOn = async (user: Who) =>
      [...new Set<string>(dataOf(await as(user)(TIMELINE, { id: companyId })).company.timeline.edges.flatMap((edge: any) => (edge.node.deal ? [edge.node.deal.id] : [])))].sort();
    await waitFor(async () => ((await dealsOn('admin')).length === 2 ? true : undefined), { what: 'both deals on the timeline' });
    expect(await dealsOn('admin')).toEqual([own, southern].sort());
    // m1 reads their own and their team's deals, the head of North the team's: neither reads m3's (South).
    expect(await dealsOn('m1')).toEqual([own]);
    expect(await dealsOn('head')).toEqual([own]);
  });
});
