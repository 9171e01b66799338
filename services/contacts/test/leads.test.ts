// Leads and routing in the contacts service, on the real store and broker: taking leads in
// (GraphQL, the inbound topic, the webhook route), routing rules and their methods, the round
// robin under 1,000 concurrent leads, the SLA escalation, assignments by hand (assignLead), the
// routing fallback for leads no rule assigns, qualification and the lead events.
import { IDENTITY_HEADER, LOCAL_INTERNAL_SECRET, signInternalIdentity, type Identity } from '@crm/auth';
import { createEvent, DealCreated, DealWon, LeadReceived, parseEvent, topics, type Envelope } from '@crm/events';
import { createTestProducer, readTopics, type TopicReader } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, uniqueId, waitFor } from '@crm/testing';
import { LeadModel } from '../src/modules/lead/lead.model';
import { DealLoadModel } from '../src/modules/routing/deal-load.model';
import { assignUnroutedLeads, bringInBacklogs, escalateDueLeads } from '../src/modules/routing/escalation.worker';
import { RoutingTurnModel, turnKey } from '../src/modules/routing/routing-turn.model';
import { TeamModel } from '../src/modules/team/team.model';
import { startContacts } from '../src/service';

// The escalation worker of this instance polls often; the tests also call it directly, as a second instance would.
const service = serviceUnderTest('contacts', (env) => startContacts({ ...env, LEAD_ESCALATION_POLL_MS: '200' }));
const producer = createTestProducer();
let reader: TopicReader;
beforeAll(async () => {
  reader = await readTopics([topics.lead]);
});
afterAll(async () => {
  await reader.close();
  await producer.close();
});

const call = (identity: Identity, query: string, variables: object = {}) => subgraphRequest(service.url, identity, query, variables);
const LEAD_FIELDS = `id source externalId campaignId name email phone companyName industry companySize language territoryId status assigneeId teamId ruleId acceptBy
  disqualifyReason assignments { by fromUserId toUserId teamId ruleId method reason at } qualification { budget currency need timing decisionMaker qualifiedBy }`;
const CREATE_LEAD = `mutation ($input: CreateLeadInput!) { createLead(input: $input) { ${LEAD_FIELDS} } }`;
const CREATE_RULE = `mutation ($input: CreateRoutingRuleInput!) { createRoutingRule(input: $input) { id name priority method teamId slaMinutes match { territoryIds industries companySizeMin companySizeMax languages sources } } }`;
const RULES = `{ routingRules { id name priority } }`;

/** A tenant with an admin and a team of `size` members (inserted through the directory's model). */
async function tenantWithTeam(size: number, options: { leadId?: string | null } = {}) {
  const admin = testIdentity(undefined, ['admin']);
  const members = Array.from({ length: size }, (_v, index) => `${uniqueId('m')}-${index}`);
  const team = await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('team'), leadId: options.leadId === undefined ? 'head-of-team' : options.leadId, memberIds: members });
  const member = (userId: string) => testIdentity(admin.tenantId, ['manager'], userId);
  return { admin, members, teamId: team._id.toString(), member };
}

const createRule = async (admin: Identity, input: object) => dataOf(await call(admin, CREATE_RULE, { input })).createRoutingRule;
const createLead = async (identity: Identity, input: object) => dataOf(await call(identity, CREATE_LEAD, { input })).createLead;

/** The tenant's lead events of one type, once `count` arrived. */
async function leadEvents(tenantId: string, type: string, count: number, leadId?: string): Promise<Envelope[]> {
  const of = () =>
    reader.messages.flatMap((m) => (m.event?.tenantId === tenantId && m.event.type === type && (!leadId || m.event.aggregateId === leadId) ? [parseEvent(m.event)] : []));
  await reader.waitFor(() => of().length >= count, `${count} ${type} of ${tenantId}`);
  return of();
}
/** One entry per distinct event (the relay may deliver a copy with the same id). */
const distinct = (events: Envelope[]) => [...new Map(events.map((event) => [event.id, event])).values()];

describe('leads', () => {
  it('places a lead by its address in the deepest territory, and a rule on its region matches it', async () => {
    const { admin, members, teamId } = await tenantWithTeam(1);
    const TERRITORY = `mutation ($input: CreateTerritoryInput!) { createTerritory(input: $input) { id } }`;
    const add = async (kind: string, code: string, name: string, parentId?: string) =>
      dataOf(await call(admin, TERRITORY, { input: { kind, code, name, parentId } })).createTerritory.id as string;
    const germany = await add('COUNTRY', 'DE', 'Germany');
    const bavaria = await add('REGION', 'DE-BY', 'Bavaria', germany);
    const munich = await add('CITY', 'DE-BY-MUC', 'München', bavaria);
    await createRule(admin, { name: 'Bavaria', match: { territoryIds: [bavaria] }, teamId, method: 'ROUND_ROBIN' });
    const address = { country: 'DE', region: 'Bavaria', city: ' münchen ' };

    const preview = dataOf(await call(admin, `query ($input: CreateLeadInput!) { routeLeadPreview(input: $input) { assigneeId why } }`, { input: { source: 'CALL', name: 'Preview', ...address } })).routeLeadPreview;
    expect(preview.assigneeId).toBe(members[0]);
    const placedLead = await createLead(admin, { source: 'CALL', name: 'Lena Maier', ...address });
    expect(placedLead).toMatchObject({ territoryId: munich, assigneeId: members[0], status: 'ASSIGNED' });
    expect(placedLead.assignments[0].reason).toContain(`territory ${bavaria} (the lead's ${munich} lies in it)`);
    // An explicit territory wins over the address; an address the tree does not know places nothing.
    expect(await createLead(admin, { source: 'CALL', name: 'Explicit', ...address, territoryId: germany })).toMatchObject({ territoryId: germany });
    expect(await createLead(admin, { source: 'CALL', name: 'Elsewhere', country: 'FR', city: 'Lyon' })).toMatchObject({ territoryId: null, status: 'NEW' });
  });

  it('takes a lead in normalised, routes it at once with the reason recorded, and publishes LeadCreated and LeadAssigned', async () => {
    const { admin, members, teamId } = await tenantWithTeam(2);
    const rule = await createRule(admin, { name: 'Bavaria', match: { territoryIds: ['DE-BY'], industries: ['Logistics'] }, teamId, method: 'ROUND_ROBIN', slaMinutes: 30 });
    const lead = await createLead(admin, {
      source: 'WEB_FORM',
      externalId: 'form-1',
      campaignId: 'spring',
      name: '  Mara   Huber ',
      email: 'Mara.Huber@Example.com',
      phone: '089 1234567',
      country: 'de',
      companyName: 'Huber Logistik',
      industry: 'logistics',
      companySize: 40,
      language: 'DE',
      territoryId: 'DE-BY',
      raw: { gclid: 'abc' },
    });
    expect(lead).toMatchObject({ name: 'Mara Huber', email: 'mara.huber@example.com', phone: '+49891234567', language: 'de', status: 'ASSIGNED', assigneeId: members[0], teamId, ruleId: rule.id });
    expect(new Date(lead.acceptBy).getTime() - new Date(lead.assignments[0].at).getTime()).toBe(30 * 60_000);
    expect(lead.assignments).toEqual([
      expect.objectContaining({ by: 'routing', fromUserId: null, toUserId: members[0], teamId, ruleId: rule.id, method: 'ROUND_ROBIN', reason: expect.stringContaining('rule "Bavaria" matched territory DE-BY, industry logistics') }),
    ]);
    const [created] = await leadEvents(admin.tenantId, 'LeadCreated', 1, lead.id);
    expect(created!.data).toMatchObject({ leadId: lead.id, source: 'WEB_FORM', externalId: 'form-1', campaignId: 'spring', territoryId: 'DE-BY' });
    const [assigned] = await leadEvents(admin.tenantId, 'LeadAssigned', 1, lead.id);
    expect(assigned!.data).toMatchObject({ leadId: lead.id, assigneeId: members[0], previousAssigneeId: null, teamId, ruleId: rule.id, method: 'ROUND_ROBIN', acceptBy: lead.acceptBy });
  });

  it('a repeated (source, externalId) answers the same lead, also when sent concurrently; another source is another lead', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const input = { source: 'AD_LINK', externalId: 'click-7', name: 'Jonas Keller' };
    const leads = await Promise.all(Array.from({ length: 5 }, () => createLead(admin, input)));
    expect(new Set(leads.map((lead) => lead.id)).size).toBe(1);
    expect(leads[0].status).toBe('NEW'); // no rules: unassigned
    const other = await createLead(admin, { ...input, source: 'WEB_CHAT' });
    expect(other.id).not.toBe(leads[0].id);
    expect(await LeadModel.countDocuments({ tenantId: admin.tenantId, dedupeKey: 'AD_LINK:click-7' })).toBe(1);
  });

  it("a repeated (source, externalId) answers the existing lead only within the caller's read scope, as lead(id)", async () => {
    const { admin, members, teamId, member } = await tenantWithTeam(2);
    await createRule(admin, { name: 'all', teamId, method: 'ROUND_ROBIN' });
    const input = { source: 'WEB_FORM', externalId: 'form-secret', name: 'Vera Secret', email: 'vera@example.com', phone: '+4930123456', raw: { note: 'private' } };
    const first = await createLead(admin, input);
    expect(first.assigneeId).toBe(members[0]);
    // Ben (a manager whose scope is his own leads here) repeats the external id: FORBIDDEN, nothing of Anna's lead.
    const ben = await call(member(members[1]!), `mutation ($input: CreateLeadInput!) { createLead(input: $input) { id name email phone assigneeId raw } }`, { input });
    expect(errorCodes(ben)).toEqual(['FORBIDDEN']);
    expect(ben.data).toBeNull();
    expect(JSON.stringify(ben)).not.toMatch(/Vera|vera@|private|\+4930123456/);
    expect(errorCodes(await call(member(members[1]!), `query ($id: ID!) { lead(id: $id) { id } }`, { id: first.id }))).toEqual(['FORBIDDEN']);
    // Anna, the assignee, and the admin get it; no second lead was taken in.
    expect(await createLead(member(members[0]!), input)).toMatchObject({ id: first.id, name: 'Vera Secret', assigneeId: members[0] });
    expect((await createLead(admin, input)).id).toBe(first.id);
    expect(await LeadModel.countDocuments({ tenantId: admin.tenantId })).toBe(1);
  });

  it('refuses bad input with BAD_USER_INPUT and writes nothing', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const bad = [
      { source: 'WEB_FORM', phone: '12' },
      { source: 'WEB_FORM', email: 'not-an-email' },
      { source: 'WEB_FORM', name: 'x'.repeat(201) },
      { source: 'WEB_FORM', raw: { blob: 'x'.repeat(17 * 1024) } },
      { source: 'WEB_FORM', companySize: -1 },
      { source: 'WEB_FORM', language: 'not a language' },
    ];
    for (const input of bad) expect(errorCodes(await call(admin, CREATE_LEAD, { input }))).toEqual(['BAD_USER_INPUT']);
    expect(await LeadModel.countDocuments({ tenantId: admin.tenantId })).toBe(0);
  });

  it('refuses a language longer than LeadCreated carries (10) with BAD_USER_INPUT, before routing takes a turn', async () => {
    const { admin, teamId } = await tenantWithTeam(2);
    const rule = await createRule(admin, { name: 'all', teamId, method: 'ROUND_ROBIN' });
    for (const language of ['de-abcdefgh', 'deu-abcdefgh']) {
      const answer = await call(admin, CREATE_LEAD, { input: { source: 'WEB_FORM', name: 'Long Language', language } });
      expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
      expect(answer.errors?.[0]?.message).toMatch(/language/);
    }
    expect(await LeadModel.countDocuments({ tenantId: admin.tenantId })).toBe(0);
    expect(await RoutingTurnModel.findById(turnKey(admin.tenantId, rule.id, teamId)).lean()).toBeNull();
    // Ten characters are taken, and routed.
    expect(await createLead(admin, { source: 'WEB_FORM', language: 'gsw-Abcdef' })).toMatchObject({ language: 'gsw-abcdef', status: 'ASSIGNED' });
  });

  it('keeps a raw payload whose keys look like store operators or paths as data, and answers it as sent', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const raw = { $ne: null, 'a.b': { $gt: 1 }, '': [1, { $where: 'x' }], nested: { '$set': { tenantId: 'other' } } };
    const lead = dataOf(await call(admin, `mutation($input: CreateLeadInput!) { createLead(input: $input) { id raw } }`, { input: { source: 'WEB_FORM', name: 'Odd Keys', raw } })).createLead;
    expect(lead.raw).toEqual(raw);
    const stored = (await LeadModel.findOne({ _id: lead.id, tenantId: admin.tenantId }).lean())!;
    expect(stored).toMatchObject({ tenantId: admin.tenantId, name: 'Odd Keys' });
    expect(JSON.parse(stored.raw!)).toEqual(raw);
  });

  it('lists leads by status, source, assignee, team and campaign, newest first, in pages, within the tenant only', async () => {
    const { admin, members, teamId } = await tenantWithTeam(2);
    await createRule(admin, { name: 'web forms', match: { sources: ['WEB_FORM'] }, teamId, method: 'ROUND_ROBIN' });
    const a = await createLead(admin, { source: 'WEB_FORM', campaignId: 'c1', name: 'A' });
    const b = await createLead(admin, { source: 'WEB_FORM', campaignId: 'c2', name: 'B' });
    const c = await createLead(admin, { source: 'CALL', campaignId: 'c1', name: 'C' });
    const LIST = `query ($filter: LeadFilter, $first: Int, $after: String) { leads(filter: $filter, first: $first, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
    const ids = async (filter: object) => dataOf(await call(admin, LIST, { filter })).leads.edges.map((edge: any) => edge.node.id);
    expect(await ids({})).toEqual([c.id, b.id, a.id]);
    expect(await ids({ status: 'ASSIGNED' })).toEqual([b.id, a.id]);
    expect(await ids({ status: 'NEW' })).toEqual([c.id]);
    expect(await ids({ source: 'CALL' })).toEqual([c.id]);
    expect(await ids({ assigneeId: members[1] })).toEqual([b.id]);
    expect(await ids({ teamId })).toEqual([b.id, a.id]);
    expect(await ids({ campaignId: 'c1' })).toEqual([c.id, a.id]);
    const page = dataOf(await call(admin, LIST, { first: 2 })).leads;
    expect(page.totalCount).toBe(3);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(dataOf(await call(admin, LIST, { first: 2, after: page.pageInfo.endCursor })).leads.edges.map((edge: any) => edge.node.id)).toEqual([a.id]);
    // Another tenant sees none of them, not even by id.
    const stranger = testIdentity(undefined, ['admin']);
    expect(dataOf(await call(stranger, `query ($id: ID!) { lead(id: $id) { id } }`, { id: a.id })).lead).toBeNull();
    expect(dataOf(await call(stranger, LIST, {})).leads.totalCount).toBe(0);
    expect(errorCodes(await call(admin, LIST, { filter: { campaignId: 'x'.repeat(201) } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('the assignee accepts (nobody else may), then qualifies; a disqualified lead keeps its reason and cannot be converted', async () => {
    const { admin, members, teamId, member } = await tenantWithTeam(1);
    await createRule(admin, { name: 'all', teamId, method: 'ROUND_ROBIN', slaMinutes: 10 });
    const lead = await createLead(admin, { source: 'CALL', name: 'Ida Berg' });
    const ACCEPT = `mutation ($id: ID!) { acceptLead(id: $id) { status acceptBy } }`;
    expect(errorCodes(await call(admin, ACCEPT, { id: lead.id }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await call(member('someone-else'), ACCEPT, { id: lead.id }))).toEqual(['FORBIDDEN']);
    const owner = member(members[0]!);
    expect(dataOf(await call(owner, ACCEPT, { id: lead.id })).acceptLead.status).toBe('ACCEPTED');
    expect((await LeadModel.findById(lead.id).lean())!.slaState).toBeNull();

    const QUALIFY = `mutation ($id: ID!, $input: QualifyLeadInput!) { qualifyLead(id: $id, input: $input) { status qualification { budget currency need timing decisionMaker qualifiedBy } } }`;
    const qualified = dataOf(await call(owner, QUALIFY, { id: lead.id, input: { budget: 48000, currency: 'EUR', need: 'Daily cleaning', timing: 'Q1', decisionMaker: true } })).qualifyLead;
    expect(qualified).toEqual({ status: 'QUALIFIED', qualification: { budget: 48000, currency: 'EUR', need: 'Daily cleaning', timing: 'Q1', decisionMaker: true, qualifiedBy: members[0] } });
    const [event] = await leadEvents(admin.tenantId, 'LeadQualified', 1, lead.id);
    expect(event!.data).toMatchObject({ outcome: 'QUALIFIED', qualification: { budget: 48000, decisionMaker: true }, by: members[0] });
    expect(errorCodes(await call(owner, QUALIFY, { id: lead.id, input: { currency: 'euro' } }))).toEqual(['BAD_USER_INPUT']);

    const DISQUALIFY = `mutation ($id: ID!, $reason: String!) { disqualifyLead(id: $id, reason: $reason) { status disqualifyReason } }`;
    expect(errorCodes(await call(owner, DISQUALIFY, { id: lead.id, reason: ' ' }))).toEqual(['BAD_USER_INPUT']);
    expect(dataOf(await call(owner, DISQUALIFY, { id: lead.id, reason: 'No budget this year' })).disqualifyLead).toEqual({ status: 'DISQUALIFIED', disqualifyReason: 'No budget this year' });
    const events = await leadEvents(admin.tenantId, 'LeadQualified', 2, lead.id);
    expect(events[1]!.data).toMatchObject({ outcome: 'DISQUALIFIED', reason: 'No budget this year', qualification: null });
    expect(errorCodes(await call(owner, `mutation ($id: ID!) { convertLead(id: $id) { id } }`, { id: lead.id }))).toEqual(['CONFLICT']);
    expect(errorCodes(await call(owner, DISQUALIFY, { id: lead.id, reason: 'again' }))).toEqual(['CONFLICT']);
    expect(errorCodes(await call(owner, ACCEPT, { id: '0123456789abcdef01234567' }))).toEqual(['NOT_FOUND']);
  });

  it('keeps leads within the row scope on the assignee: lists, reads, references and changes', async () => {
    // The members' team is not in the policy's teams here (no TeamChanged): each manager's scope is their own leads.
    const { admin, members, teamId, member } = await tenantWithTeam(2);
    await createRule(admin, { name: 'all', teamId, method: 'ROUND_ROBIN' });
    const [mine, theirs] = [await createLead(admin, { source: 'CALL', name: 'Mine' }), await createLead(admin, { source: 'CALL', name: 'Theirs' })];
    const unrouted = await createLead(testIdentity(admin.tenantId, ['admin']), { source: 'CALL', name: 'Nobody' });
    // As a lead no rule matched: unassigned, so in ALL scopes only.
    await LeadModel.updateOne({ _id: unrouted.id }, { $set: { assigneeId: null, status: 'NEW' } });
    const anna = member(members[0]!);
    const listed = dataOf(await call(anna, `{ leads(first: 10) { totalCount edges { node { id } } } }`)).leads;
    expect(listed.edges.map((edge: any) => edge.node.id)).toEqual([mine.id]);
    expect(listed.totalCount).toBe(1);
    expect(errorCodes(await call(anna, `query ($a: ID) { leads(first: 10, filter: { assigneeId: $a }) { totalCount } }`, { a: members[1] }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await call(anna, `query ($id: ID!) { lead(id: $id) { id } }`, { id: theirs.id }))).toEqual(['FORBIDDEN']);
    const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Lead { id } } }`;
    const r = [mine, theirs, unrouted].map((lead) => ({ __typename: 'Lead', id: lead.id }));
    expect(dataOf(await call(anna, ENTITIES, { r }))._entities).toEqual([{ id: mine.id }, null, null]);
    // Changed by the update right: a head of sales whose team this is not (for the policy) may not, nothing is written.
    const head = testIdentity(admin.tenantId, ['head_of_sales']);
    const QUALIFY = `mutation ($id: ID!) { qualifyLead(id: $id, input: { need: "x" }) { status } }`;
    for (const who of [anna, head]) {
      expect(errorCodes(await call(who, QUALIFY, { id: theirs.id }))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await call(who, `mutation ($id: ID!) { disqualifyLead(id: $id, reason: "no") { status } }`, { id: theirs.id }))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await call(who, `mutation ($id: ID!) { convertLead(id: $id) { status } }`, { id: theirs.id }))).toEqual(['FORBIDDEN']);
    }
    expect(await LeadModel.findById(theirs.id).lean()).toMatchObject({ status: 'ASSIGNED', qualification: null, conversion: null });
    // Her own lead into a company (or onto a person) she may not read: FORBIDDEN, the lead unplanned.
    const bens = dataOf(await call(member(members[1]!), `mutation { createCompany(input: { name: "Ben's client" }) { id } }`)).createCompany.id;
    const bensPerson = dataOf(await call(member(members[1]!), `mutation { createContact(input: { firstName: "Bo", lastName: "Berg" }) { id } }`)).createContact.id;
    const LINK = `mutation ($id: ID!, $input: ConvertLeadInput) { convertLead(id: $id, input: $input) { status } }`;
    expect(errorCodes(await call(anna, LINK, { id: mine.id, input: { companyId: bens } }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await call(anna, LINK, { id: mine.id, input: { contactId: bensPerson } }))).toEqual(['FORBIDDEN']);
    expect(await LeadModel.findById(mine.id).lean()).toMatchObject({ status: 'ASSIGNED', conversion: null });
    expect(errorCodes(await call(admin, QUALIFY, { id: unrouted.id }))).toEqual([]);
    // A role the tenant defined has no rights until an admin sets them: not even createLead.
    expect(errorCodes(await call(testIdentity(admin.tenantId, ['intake']), CREATE_LEAD, { input: { source: 'CALL', campaignId: 'intake' } }))).toEqual(['FORBIDDEN']);
    expect(await LeadModel.countDocuments({ tenantId: admin.tenantId, campaignId: 'intake' })).toBe(0);
  });

  it('takes LeadReceived from the inbound topic once per external id, in the envelope tenant; a lead the rules refuse is not taken', async () => {
    const { admin, teamId, members } = await tenantWithTeam(2);
    await createRule(admin, { name: 'ads', match: { sources: ['AD_LINK'] }, teamId, method: 'ROUND_ROBIN' });
    const received = (externalId: string, data: object = {}) =>
      createEvent(LeadReceived, { tenantId: admin.tenantId, aggregateId: externalId }, { source: 'AD_LINK', externalId, name: 'Mara Huber', email: 'mara@example.com', ...data });
    await producer.send(received('click-1'), received('click-1'), received('bad-phone', { phone: '12' }), received('click-2'));
    const leads = await waitFor(async () => {
      const found = await LeadModel.find({ tenantId: admin.tenantId }).lean();
      return found.length >= 2 && found;
    });
    expect(leads.map((lead) => [lead.externalId, lead.status, lead.createdBy]).sort()).toEqual([
      ['click-1', 'ASSIGNED', 'inbound:leads'],
      ['click-2', 'ASSIGNED', 'inbound:leads'],
    ]);
    expect(new Set(leads.map((lead) => lead.assigneeId))).toEqual(new Set(members));
    expect(await LeadModel.countDocuments({ tenantId: admin.tenantId, dedupeKey: 'AD_LINK:bad-phone' })).toBe(0);
  });
});

describe('routing rules', () => {
  it('only admins and heads of sales manage rules; rules are tried in priority order, reordered as a whole, updated, and previewed without a write', async () => {
    const { admin, members, teamId, member } = await tenantWithTeam(3);
    // A FIXED rule's user works in its team: key-account-1 leads solo.
    const other = await TeamModel.create({ tenantId: admin.tenantId, name: 'solo', leadId: 'key-account-1', memberIds: ['solo-1'] });
    expect(errorCodes(await call(member(members[0]!), CREATE_RULE, { input: { name: 'x', teamId, method: 'ROUND_ROBIN' } }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await call(admin, CREATE_RULE, { input: { name: 'x', teamId, method: 'FIXED' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(admin, CREATE_RULE, { input: { name: 'x', teamId: '0123456789abcdef01234567', method: 'ROUND_ROBIN' } }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(admin, CREATE_RULE, { input: { name: 'x', teamId, method: 'ROUND_ROBIN', match: { companySizeMin: 50, companySizeMax: 10 } } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(admin, CREATE_RULE, { input: { name: 'x', teamId, method: 'ROUND_ROBIN', match: { industries: Array(101).fill('a') } } }))).toEqual(['BAD_USER_INPUT']);

    const big = await createRule(admin, { name: 'big companies', match: { companySizeMin: 500 }, teamId: other._id.toString(), method: 'FIXED', fixedUserId: 'key-account-1' });
    const german = await createRule(admin, { name: 'german', match: { languages: ['DE'] }, teamId, method: 'ROUND_ROBIN' });
    const fallback = await createRule(admin, { name: 'everyone else', teamId: other._id.toString(), method: 'ROUND_ROBIN' });
    expect([big.priority, german.priority, fallback.priority]).toEqual([1, 2, 3]);

    const PREVIEW = `query ($input: CreateLeadInput!) { routeLeadPreview(input: $input) { rule { id name } teamId assigneeId method why } }`;
    const preview = async (input: object) => dataOf(await call(admin, PREVIEW, { input })).routeLeadPreview;
    const bigGerman = await preview({ source: 'WEB_FORM', language: 'de', companySize: 900 });
    expect(bigGerman).toMatchObject({ rule: { id: big.id }, assigneeId: 'key-account-1', method: 'FIXED' });
    const smallGerman = await preview({ source: 'WEB_FORM', language: 'de', companySize: 20 });
    expect(smallGerman).toMatchObject({ rule: { id: german.id }, teamId, assigneeId: members[0], method: 'ROUND_ROBIN' });
    expect(smallGerman.why).toEqual(['rule "big companies" does not match', expect.stringContaining('rule "german" matched language de')]);
    // A preview takes no turn and writes nothing.
    expect((await preview({ source: 'WEB_FORM', language: 'de' })).assigneeId).toBe(members[0]);
    expect(await LeadModel.countDocuments({ tenantId: admin.tenantId })).toBe(0);
    expect(await RoutingTurnModel.findById(turnKey(admin.tenantId, german.id, teamId)).lean()).toBeNull();
    expect(await preview({ source: 'CALL', language: 'fr' })).toMatchObject({ rule: { id: fallback.id }, assigneeId: 'solo-1' });

    const REORDER = `mutation ($ids: [ID!]!) { reorderRoutingRules(ids: $ids) { id priority } }`;
    expect(errorCodes(await call(admin, REORDER, { ids: [german.id, big.id] }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(admin, REORDER, { ids: [german.id, german.id, big.id] }))).toEqual(['BAD_USER_INPUT']);
    expect(dataOf(await call(admin, REORDER, { ids: [german.id, big.id, fallback.id] })).reorderRoutingRules).toEqual([
      { id: german.id, priority: 1 },
      { id: big.id, priority: 2 },
      { id: fallback.id, priority: 3 },
    ]);
    expect((await preview({ source: 'WEB_FORM', language: 'de', companySize: 900 })).rule.id).toBe(german.id);

    const UPDATE = `mutation ($id: ID!, $input: UpdateRoutingRuleInput!) { updateRoutingRule(id: $id, input: $input) { id enabled method } }`;
    expect(dataOf(await call(admin, UPDATE, { id: german.id, input: { enabled: false } })).updateRoutingRule).toEqual({ id: german.id, enabled: false, method: 'ROUND_ROBIN' });
    expect((await preview({ source: 'WEB_FORM', language: 'de', companySize: 900 })).rule.id).toBe(big.id);
    expect(errorCodes(await call(admin, UPDATE, { id: german.id, input: { method: 'FIXED' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(member(members[0]!), UPDATE, { id: german.id, input: { enabled: true } }))).toEqual(['FORBIDDEN']);
    // Another tenant's rules are neither listed nor changed.
    const stranger = testIdentity(undefined, ['admin']);
    expect(dataOf(await call(stranger, RULES)).routingRules).toEqual([]);
    expect(errorCodes(await call(stranger, UPDATE, { id: big.id, input: { enabled: false } }))).toEqual(['NOT_FOUND']);
    expect(dataOf(await call(admin, RULES)).routingRules.map((rule: any) => rule.name)).toEqual(['german', 'big companies', 'everyone else']);
  });

  it('only admins and heads of sales see the rules and previews: they tell who gets the next lead', async () => {
    const { admin, members, teamId, member } = await tenantWithTeam(2);
    await createRule(admin, { name: 'all', teamId, method: 'ROUND_ROBIN' });
    const PREVIEW = `query ($input: CreateLeadInput!) { routeLeadPreview(input: $input) { assigneeId } }`;
    for (const who of [member(members[0]!), testIdentity(admin.tenantId, ['intake'])]) {
      expect(errorCodes(await call(who, RULES))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await call(who, PREVIEW, { input: { source: 'CALL' } }))).toEqual(['FORBIDDEN']);
    }
    const head = testIdentity(admin.tenantId, ['head_of_sales']);
    expect(dataOf(await call(head, RULES)).routingRules.map((rule: any) => rule.name)).toEqual(['all']);
    expect(dataOf(await call(head, PREVIEW, { input: { source: 'CALL' } })).routeLeadPreview.assigneeId).toBe(members[0]);
  });

  it("matches a rule's language on the lead's primary subtag; rule languages are ISO codes, as leads'", async () => {
    const { admin, members, teamId } = await tenantWithTeam(2);
    const austrian = await createRule(admin, { name: 'austrian', match: { languages: ['de-AT'] }, teamId, method: 'FIXED', fixedUserId: members[1] });
    const german = await createRule(admin, { name: 'german', match: { languages: ['de', 'fr'] }, teamId, method: 'FIXED', fixedUserId: members[0] });
    expect([austrian.match.languages, german.match.languages]).toEqual([['de-at'], ['de', 'fr']]);
    expect(await createLead(admin, { source: 'CALL', language: 'de-DE' })).toMatchObject({ ruleId: german.id, assigneeId: members[0] });
    expect(await createLead(admin, { source: 'CALL', language: 'fr-CH' })).toMatchObject({ ruleId: german.id, assigneeId: members[0] });
    expect(await createLead(admin, { source: 'CALL', language: 'de-AT' })).toMatchObject({ ruleId: austrian.id, assigneeId: members[1] });
    // A rule for the region only takes the region; a plain "de" goes to the German rule.
    expect(await createLead(admin, { source: 'CALL', language: 'de' })).toMatchObject({ ruleId: german.id });
    expect(await createLead(admin, { source: 'CALL', language: 'en-GB' })).toMatchObject({ ruleId: null, status: 'NEW' });
    for (const languages of [['German'], ['de_DE'], ['de-abcdefgh'], ['d']]) {
      expect(errorCodes(await call(admin, CREATE_RULE, { input: { name: 'bad', match: { languages }, teamId, method: 'ROUND_ROBIN' } }))).toEqual(['BAD_USER_INPUT']);
    }
    const UPDATE = `mutation ($id: ID!, $input: UpdateRoutingRuleInput!) { updateRoutingRule(id: $id, input: $input) { id } }`;
    expect(errorCodes(await call(admin, UPDATE, { id: german.id, input: { match: { languages: ['Deutsch'] } } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('routes only to active people who work in the team: a FIXED user checked when saved and when routing; round robin, least loaded and escalation pass over deactivated users', async () => {
    const { admin, members, teamId, member } = await tenantWithTeam(3, { leadId: 'head-1' });
    const [anna, ben, cleo] = members as [string, string, string];
    const UPDATE = `mutation ($id: ID!, $input: UpdateRoutingRuleInput!) { updateRoutingRule(id: $id, input: $input) { id name fixedUserId } }`;
    const fixedTo = (fixedUserId: string) => call(admin, CREATE_RULE, { input: { name: 'fixed', match: { industries: ['fixed'] }, teamId, method: 'FIXED', fixedUserId } });
    // Anyone outside the team is refused, naming the field; a member or the lead is taken.
    const stranger = await fixedTo('not-in-team');
    expect(stranger.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.fixedUserId' });
    expect(stranger.errors?.[0]?.message).toContain('not-in-team');
    expect(dataOf(await fixedTo('head-1')).createRoutingRule.method).toBe('FIXED');
    const fixed = dataOf(await fixedTo(anna)).createRoutingRule;
    expect(errorCodes(await call(admin, UPDATE, { id: fixed.id, input: { fixedUserId: 'not-in-team' } }))).toEqual(['BAD_USER_INPUT']);
    await createRule(admin, { name: 'rotation', match: { industries: ['rr'] }, teamId, method: 'ROUND_ROBIN', slaMinutes: 5 });
    await createRule(admin, { name: 'least', match: { industries: ['least'] }, teamId, method: 'LEAST_LOADED' });

    // Anna and the team lead leave the company (deactivated in the directory).
    for (const userId of [anna, 'head-1']) {
      await call(member(userId), `{ me { id } }`);
      dataOf(await call(admin, `mutation ($id: ID!) { updateUser(id: $id, input: { active: false }) { active } }`, { id: userId }));
    }
    expect(errorCodes(await fixedTo(anna))).toEqual(['BAD_USER_INPUT']);
    // Editing anything else of a rule still goes through (disabling it, for one).
    expect(dataOf(await call(admin, UPDATE, { id: fixed.id, input: { name: 'fixed to Anna' } })).updateRoutingRule).toMatchObject({ name: 'fixed to Anna', fixedUserId: anna });
    // Routing passes over the rules fixed to them (here the lead's first), as over an unmatched rule.
    const PREVIEW = `query ($input: CreateLeadInput!) { routeLeadPreview(input: $input) { assigneeId why } }`;
    const why = dataOf(await call(admin, PREVIEW, { input: { source: 'CALL', industry: 'fixed' } })).routeLeadPreview;
    expect(why).toEqual({ assigneeId: null, why: [expect.stringContaining('is no longer an active member or the lead'), expect.stringContaining('is no longer an active member or the lead'), expect.any(String), expect.any(String), expect.any(String)] });
    expect(await createLead(admin, { source: 'CALL', industry: 'fixed' })).toMatchObject({ status: 'NEW', assigneeId: null });

    // Round robin turns over Ben and Cleo; least loaded leaves out Anna (load 0) for Ben (2, first of 2/2).
    const rotated: any[] = [];
    for (let i = 0; i < 4; i++) rotated.push(await createLead(admin, { source: 'CALL', industry: 'rr' }));
    expect(rotated.map((lead) => lead.assigneeId)).toEqual([ben, cleo, ben, cleo]);
    const least = await createLead(admin, { source: 'CALL', industry: 'least' });
    expect(least.assigneeId).toBe(ben);
    expect(least.assignments[0].reason).toContain('team loads 2/2');

    // Ben's lead runs out of time: not to the deactivated lead, to the next active member.
    await LeadModel.updateOne({ _id: rotated[0].id }, { $set: { acceptBy: new Date(Date.now() - 1000) } });
    await escalateDueLeads(10);
    const escalated = await waitFor(async () => {
      const lead = await LeadModel.findById(rotated[0].id).lean();
      return lead?.escalatedAt && lead;
    });
    expect(escalated.assignments.map((a) => [a.from, a.to, a.method])).toEqual([
      [null, ben, 'ROUND_ROBIN'],
      [ben, cleo, 'ESCALATION'],
    ]);
  });

  it('round robin under concurrency: 1,000 leads routed at once to a team of 5 give each member exactly 200', async () => {
    const { admin, members, teamId } = await tenantWithTeam(5);
    const rule = await createRule(admin, { name: 'all', teamId, method: 'ROUND_ROBIN' });
    // 1,000 requests, 50 in flight: enough to race the counter. Each carries a signed identity that
    // lives 60 s, and with 200 in flight under CI's load some waited longer than that to be read.
    const leads: any[] = [];
    let next = 0;
    const sender = async () => {
      while (next < 1000) {
        const index = next++;
        leads[index] = await createLead(admin, { source: 'WEB_FORM', externalId: `burst-${index}` });
      }
    };
    await Promise.all(Array.from({ length: 50 }, sender));
    expect(leads.every((lead) => lead.status === 'ASSIGNED')).toBe(true);
    const perMember = new Map<string, number>();
    for (const lead of leads) perMember.set(lead.assigneeId, (perMember.get(lead.assigneeId) ?? 0) + 1);
    expect(Object.fromEntries(perMember)).toEqual(Object.fromEntries(members.map((member) => [member, 200])));
    // The store agrees, and the counter took exactly 1,000 turns.
    for (const member of members) expect(await LeadModel.countDocuments({ tenantId: admin.tenantId, assigneeId: member, open: true })).toBe(200);
    expect((await RoutingTurnModel.findById(turnKey(admin.tenantId, rule.id, teamId)).lean())!.turn).toBe(1000);
  }, 180_000); // 1,000 writes with their events: about 40 s on a loaded 2-core machine

  it('least loaded picks the member with the fewest open leads and open deals (deals from the deals events)', async () => {
    const { admin, members, teamId } = await tenantWithTeam(3);
    await createRule(admin, { name: 'least', teamId, method: 'LEAST_LOADED' });
    const [anna, ben, cleo] = members as [string, string, string];
    // Anna owns two open deals, Ben one that is then won (no longer open).
    const deal = (dealId: string, ownerId: string) =>
      createEvent(DealCreated, { tenantId: admin.tenantId, aggregateId: dealId }, {
        dealId, title: 'Deal', pipelineId: '0123456789abcdef01234567', ownerId, stage: { id: 's1', name: 'Prospect', position: 0 }, companyId: '0123456789abcdef01234568',
        amount: 1000, currency: 'EUR', status: 'OPEN', teamId: null, territoryId: null, source: null, expectedCloseDate: null, contacts: [],
      } as never);
    const won = createEvent(DealWon, { tenantId: admin.tenantId, aggregateId: 'd3' }, {
      dealId: 'd3', title: 'Deal', pipelineId: '0123456789abcdef01234567', ownerId: ben, companyId: '0123456789abcdef01234568', amount: 1000, currency: 'EUR',
      stage: { id: 's9', name: 'Won', position: 3 }, closedAt: new Date().toISOString(), wonBy: ben,
    } as never);
    await producer.send(deal('d1', anna), deal('d2', anna), deal('d3', ben));
    await producer.send(won);
    await waitFor(async () => (await DealLoadModel.countDocuments({ tenantId: admin.tenantId, ownerId: anna, open: true })) === 2 && (await DealLoadModel.countDocuments({ tenantId: admin.tenantId, ownerId: ben, open: false })) === 1);

    // Loads 2/0/0: Ben (first of the least), then Cleo, then Ben or Cleo, never Anna until they catch up.
    const first = await createLead(admin, { source: 'CALL' });
    expect(first.assigneeId).toBe(ben);
    expect(first.assignments[0].reason).toContain('least loaded (0 open leads and deals; team loads 2/0/0)');
    expect((await createLead(admin, { source: 'CALL' })).assigneeId).toBe(cleo);
    expect((await createLead(admin, { source: 'CALL' })).assigneeId).toBe(ben);
    expect((await createLead(admin, { source: 'CALL' })).assigneeId).toBe(cleo);
    expect((await createLead(admin, { source: 'CALL' })).assigneeId).toBe(anna);
  });
});

describe('escalation', () => {
  it('a lead not accepted within its SLA goes to the team lead once, with LeadEscalated; an accepted lead is not escalated', async () => {
    const { admin, members, teamId } = await tenantWithTeam(2, { leadId: 'head-1' });
    await createRule(admin, { name: 'sla', teamId, method: 'ROUND_ROBIN', slaMinutes: 5 });
    const late = await createLead(admin, { source: 'EMAIL', name: 'Late' });
    const accepted = await createLead(admin, { source: 'EMAIL', name: 'Accepted' });
    await call(testIdentity(admin.tenantId, ['manager'], members[1]), `mutation ($id: ID!) { acceptLead(id: $id) { status } }`, { id: accepted.id });
    // Both deadlines passed (as if 5 minutes went by): several instances' polls at once escalate the late lead once.
    const past = new Date(Date.now() - 1000);
    await LeadModel.updateMany({ tenantId: admin.tenantId }, { $set: { acceptBy: past } });
    await Promise.all([escalateDueLeads(10), escalateDueLeads(10), escalateDueLeads(10)]);
    const after = await waitFor(async () => {
      const lead = await LeadModel.findById(late.id).lean();
      return lead?.escalatedAt && lead;
    });
    expect(after).toMatchObject({ assigneeId: 'head-1', slaState: null, status: 'ASSIGNED' });
    expect(after.assignments.map((a) => [a.by, a.from, a.to, a.method])).toEqual([
      ['routing', null, members[0], 'ROUND_ROBIN'],
      ['escalation', members[0], 'head-1', 'ESCALATION'],
    ]);
    const escalated = distinct(await leadEvents(admin.tenantId, 'LeadEscalated', 1));
    expect(escalated.map((event) => event.data)).toEqual([
      expect.objectContaining({ leadId: late.id, fromAssigneeId: members[0], toAssigneeId: 'head-1', teamId, slaMinutes: 5, acceptBy: past.toISOString() }),
    ]);
    // Later polls find nothing more to do.
    expect(await escalateDueLeads(10)).toBe(0);
    expect((await LeadModel.findById(accepted.id).lean())!.assigneeId).toBe(members[1]);
  });
});

describe('assigning by hand', () => {
  const ASSIGN = `mutation ($id: ID!, $userId: ID!, $reason: String) { assignLead(id: $id, userId: $userId, reason: $reason) { ${LEAD_FIELDS} } }`;
  const assign = (identity: Identity, id: string, userId: string, reason?: string) => call(identity, ASSIGN, { id, userId, reason });
  /** Into the directory, as their first request does. */
  const signIn = async (...identities: Identity[]) => {
    for (const identity of identities) dataOf(await call(identity, `{ me { id } }`));
  };
  const manualEvents = (tenantId: string) =>
    distinct(reader.messages.flatMap((m) => (m.event?.tenantId === tenantId && m.event.type === 'LeadAssigned' ? [parseEvent(m.event)] : []))).filter((event) => (event.data as { method: string }).method === 'MANUAL');

  it('gives a lead to an active person with the reason recorded (MANUAL), starts the rule\'s accept SLA again and publishes LeadAssigned; in their own team when they are not in the lead\'s', async () => {
    const { admin, members, teamId, member } = await tenantWithTeam(2, { leadId: 'head-1' });
    const [anna, ben] = members as [string, string];
    await signIn(member(anna), member(ben), member('zoe'));
    const other = await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('other'), leadId: null, memberIds: ['zoe'] });
    const rule = await createRule(admin, { name: 'all', teamId, method: 'ROUND_ROBIN', slaMinutes: 30 });
    const lead = await createLead(admin, { source: 'CALL', name: 'Ida Berg' });
    expect(lead.assigneeId).toBe(anna);
    // Anna accepted it, then went on holiday: the admin gives it to Ben, who must accept it within the rule's 30 minutes.
    dataOf(await call(member(anna), `mutation ($id: ID!) { acceptLead(id: $id) { status } }`, { id: lead.id }));
    const given = dataOf(await assign(admin, lead.id, ben, '  Anna is on holiday ')).assignLead;
    expect(given).toMatchObject({ status: 'ASSIGNED', assigneeId: ben, teamId, ruleId: rule.id });
    expect(given.assignments).toEqual([
      expect.objectContaining({ by: 'routing', toUserId: anna, method: 'ROUND_ROBIN' }),
      { by: admin.userId, fromUserId: anna, toUserId: ben, teamId, ruleId: null, method: 'MANUAL', reason: 'Anna is on holiday', at: expect.any(String) },
    ]);
    expect(new Date(given.acceptBy).getTime() - new Date(given.assignments[1].at).getTime()).toBe(30 * 60_000);
    expect(await LeadModel.findById(lead.id).lean()).toMatchObject({ slaState: 'WAITING', assigneeId: ben });
    const [event] = (await leadEvents(admin.tenantId, 'LeadAssigned', 2, lead.id)).filter((e) => (e.data as { method: string }).method === 'MANUAL');
    expect(event!.data).toEqual({
      leadId: lead.id, assigneeId: ben, previousAssigneeId: anna, teamId, ruleId: null, method: 'MANUAL', reason: 'Anna is on holiday', acceptBy: given.acceptBy, assignedAt: given.assignments[1].at,
    });
    expect(event!.actorId).toBe(admin.userId);

    // To its assignee again: the lead as it is, nothing written or published.
    expect(dataOf(await assign(admin, lead.id, ben)).assignLead).toEqual(given);
    // To Zoe, who works in another team: recorded in hers, with a default reason; the SLA runs for her, and its escalation stays in her team.
    const toZoe = dataOf(await assign(admin, lead.id, 'zoe')).assignLead;
    expect(toZoe).toMatchObject({ assigneeId: 'zoe', teamId: other._id.toString(), status: 'ASSIGNED' });
    expect(toZoe.assignments[2]).toMatchObject({ fromUserId: ben, toUserId: 'zoe', teamId: other._id.toString(), method: 'MANUAL', reason: `assigned by hand by ${admin.userId}` });
    await leadEvents(admin.tenantId, 'LeadAssigned', 3, lead.id);
    await new Promise((done) => setTimeout(done, 300));
    expect(manualEvents(admin.tenantId).map((e) => (e.data as { assigneeId: string }).assigneeId)).toEqual([ben, 'zoe']);
    // A qualified lead stays qualified when it changes hands (nothing to accept).
    dataOf(await call(admin, `mutation ($id: ID!) { qualifyLead(id: $id, input: { need: "Cleaning" }) { status } }`, { id: lead.id }));
    expect(dataOf(await assign(admin, lead.id, anna, 'back from holiday')).assignLead).toMatchObject({ status: 'QUALIFIED', assigneeId: anna, teamId, acceptBy: null, qualification: { need: 'Cleaning' } });
    expect((await LeadModel.findById(lead.id).lean())!.slaState).toBeNull();
  });

  it('refuses an unknown, inactive or teamless person (BAD_USER_INPUT naming userId), a long reason, a converted, disqualified or converting lead or one with 100 assignments (FAILED_PRECONDITION) and another tenant\'s lead (NOT_FOUND), writing nothing', async () => {
    const { admin, members, member } = await tenantWithTeam(2);
    const [anna, ben] = members as [string, string];
    await signIn(member(anna), member(ben), member('gone'), member('loner'));
    await TeamModel.updateOne({ tenantId: admin.tenantId, memberIds: anna }, { $push: { memberIds: 'gone' } });
    dataOf(await call(admin, `mutation ($id: ID!) { updateUser(id: $id, input: { active: false }) { active } }`, { id: 'gone' }));
    const lead = await createLead(admin, { source: 'CALL', name: 'Unrouted' });
    const named = async (userId: string, reason?: string) => {
      const answer = await assign(admin, lead.id, userId, reason);
      expect(answer.data).toBeNull();
      return answer.errors?.[0];
    };
    for (const [userId, text] of [['nobody-here', 'not an active person'], ['gone', 'not an active person'], ['loner', 'works in no team'], ['', 'must not be empty'], ['x'.repeat(65), 'not a valid user id']]) {
      const error = await named(userId!);
      expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
      expect(error?.message).toContain(text);
      expect(JSON.stringify(error)).not.toMatch(/stack|at .*\.ts/);
    }
    expect((await named(ben, 'x'.repeat(501)))?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    expect(errorCodes(await assign(admin, 'not-an-id', ben))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await assign(admin, '0123456789abcdef01234567', ben))).toEqual(['NOT_FOUND']);
    // Another tenant's admin, even naming a person of theirs: NOT_FOUND.
    const stranger = testIdentity(undefined, ['admin']);
    expect(errorCodes(await assign(stranger, lead.id, stranger.userId))).toEqual(['NOT_FOUND']);
    expect(await LeadModel.findById(lead.id).lean()).toMatchObject({ status: 'NEW', assigneeId: null, assignments: [] });

    const disqualified = await createLead(admin, { source: 'CALL', name: 'No budget' });
    dataOf(await call(admin, `mutation ($id: ID!) { disqualifyLead(id: $id, reason: "no budget") { status } }`, { id: disqualified.id }));
    const converted = await createLead(admin, { source: 'CALL', name: 'Mara Huber', companyName: 'Huber Logistik' });
    dataOf(await call(admin, `mutation ($id: ID!) { convertLead(id: $id) { status } }`, { id: converted.id }));
    for (const [id, status] of [[disqualified.id, 'DISQUALIFIED'], [converted.id, 'CONVERTED']]) {
      const refused = await assign(admin, id!, ben);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FAILED_PRECONDITION', status, missing: ['status'] });
      expect(await LeadModel.findById(id).lean()).toMatchObject({ status, assigneeId: null, assignments: [] });
    }
    // One being converted (its plan stored), and one that had as many assignments as a lead keeps.
    const converting = await createLead(admin, { source: 'CALL', name: 'Halfway' });
    await LeadModel.updateOne({ _id: converting.id }, { $set: { conversion: { companyId: '0123456789abcdef0123aaaa', createCompany: true, contactId: '0123456789abcdef0123bbbb', createContact: true, dealId: null, deal: null, startedBy: admin.userId, startedAt: new Date(), convertedAt: null } } });
    expect((await assign(admin, converting.id, ben)).errors?.[0]?.extensions).toMatchObject({ code: 'FAILED_PRECONDITION', missing: ['conversion'] });
    const busy = await createLead(admin, { source: 'CALL', name: 'Passed around' });
    const many = Array.from({ length: 100 }, (_v, i) => ({ by: admin.userId, from: i % 2 ? anna : ben, to: i % 2 ? ben : anna, teamId: 'x', ruleId: null, method: 'MANUAL', reason: 'again', at: new Date() }));
    await LeadModel.updateOne({ _id: busy.id }, { $set: { assignments: many, assigneeId: anna, status: 'ASSIGNED' } });
    expect((await assign(admin, busy.id, ben)).errors?.[0]?.extensions).toMatchObject({ code: 'FAILED_PRECONDITION', missing: ['assignments'] });
    expect((await LeadModel.findById(busy.id).lean())!.assignments).toHaveLength(100);
    await new Promise((done) => setTimeout(done, 300));
    expect(manualEvents(admin.tenantId)).toEqual([]);
  });

  it('follows the assign rights: a manager may not give their lead away nor take another\'s; a head of sales assigns between the people of their teams; an unassigned lead is an admin\'s', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const tenantId = admin.tenantId;
    const [head, anna, ben, zoe] = [testIdentity(tenantId, ['head_of_sales'], uniqueId('head')), ...['anna', 'ben', 'zoe'].map((name) => testIdentity(tenantId, ['manager'], uniqueId(name)))] as [Identity, Identity, Identity, Identity];
    await signIn(admin, head, anna, ben, zoe);
    // Made through the API, so that TeamChanged gives the policy the head's team.
    const CREATE_TEAM = `mutation ($input: CreateTeamInput!) { createTeam(input: $input) { id } }`;
    const teamId = dataOf(await call(admin, CREATE_TEAM, { input: { name: 'North', leadId: head.userId, memberIds: [anna.userId, ben.userId] } })).createTeam.id;
    dataOf(await call(admin, CREATE_TEAM, { input: { name: 'South', memberIds: [zoe.userId] } }));
    await createRule(admin, { name: 'calls', match: { sources: ['CALL'] }, teamId, method: 'ROUND_ROBIN' });
    const annas = await createLead(admin, { source: 'CALL', name: 'Annas' });
    const bens = await createLead(admin, { source: 'CALL', name: 'Bens' });
    const unrouted = await createLead(admin, { source: 'EMAIL', name: 'Nobody' });
    expect([annas.assigneeId, bens.assigneeId, unrouted.assigneeId]).toEqual([anna.userId, ben.userId, null]);
    await waitFor(async () => !errorCodes(await call(head, `query ($id: ID!) { lead(id: $id) { id } }`, { id: annas.id })).includes('FORBIDDEN'), { what: "the head's team to reach the policy" });

    const refusals: Array<[Identity, string, string]> = [
      [anna, annas.id, ben.userId], // giving her own lead away (OWN assign scope)
      [anna, bens.id, anna.userId], // taking Ben's
      [head, annas.id, zoe.userId], // to someone outside the head's teams
      [zoe, annas.id, zoe.userId],
      [head, unrouted.id, anna.userId], // an unassigned lead is in ALL scopes only
    ];
    for (const [who, id, userId] of refusals) expect([who.userId, errorCodes(await assign(who, id, userId))]).toEqual([who.userId, ['FORBIDDEN']]);
    expect((await LeadModel.find({ tenantId }).lean()).flatMap((lead) => lead.assignments.map((a) => a.method))).toEqual(['ROUND_ROBIN', 'ROUND_ROBIN']);

    expect(dataOf(await assign(head, annas.id, ben.userId, 'Ben knows them')).assignLead).toMatchObject({ assigneeId: ben.userId, teamId });
    expect(dataOf(await assign(head, bens.id, head.userId)).assignLead).toMatchObject({ assigneeId: head.userId, teamId });
    expect(dataOf(await assign(admin, unrouted.id, zoe.userId)).assignLead).toMatchObject({ assigneeId: zoe.userId, status: 'ASSIGNED' });
  });

  it('is conditional on the lead as read: raced against escalations, every lead keeps one unbroken chain of assignments and each answer is the lead or CONFLICT', async () => {
    const { admin, teamId, member } = await tenantWithTeam(2, { leadId: 'head-1' });
    // Cleo, who takes the leads over, works in another team (never the routing's or the escalation's pick here).
    await signIn(member('cleo'));
    await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('cleo'), leadId: null, memberIds: ['cleo'] });
    await createRule(admin, { name: 'sla', match: { sources: ['WEB_CHAT'] }, teamId, method: 'ROUND_ROBIN', slaMinutes: 5 });
    const leads: string[] = [];
    for (let i = 0; i < 8; i += 1) leads.push((await createLead(admin, { source: 'WEB_CHAT', name: `Race ${i}` })).id);
    await LeadModel.updateMany({ tenantId: admin.tenantId }, { $set: { acceptBy: new Date(Date.now() - 1000) } });
    const answers = await Promise.all([
      ...leads.map((id) => assign(admin, id, 'cleo', 'race')),
      escalateDueLeads(10),
      escalateDueLeads(10),
    ]);
    const codes = answers.slice(0, leads.length).map((answer: any) => (answer.errors ? errorCodes(answer).join() : 'data'));
    expect(codes.every((code) => code === 'data' || code === 'CONFLICT')).toBe(true);
    await escalateDueLeads(10);
    for (const stored of await LeadModel.find({ tenantId: admin.tenantId }).lean()) {
      // Each assignment starts where the one before ended, and the lead is with the last one's assignee.
      const chain = stored.assignments;
      chain.slice(1).forEach((assignment, index) => expect([stored._id.toString(), assignment.from]).toEqual([stored._id.toString(), chain[index]!.to]));
      expect(stored.assigneeId).toBe(chain[chain.length - 1]!.to);
      expect(chain.filter((a) => a.method === 'MANUAL').length).toBeLessThanOrEqual(1);
    }
    // A lead the hand assignment won got Cleo's fresh SLA; one it lost went to the team lead and Cleo's call was told to read again.
    const won = codes.filter((code) => code === 'data').length;
    expect(await LeadModel.countDocuments({ tenantId: admin.tenantId, assigneeId: 'cleo' })).toBe(won);
  });
});

describe('routing fallback', () => {
  const SET_FALLBACK = `mutation ($input: RoutingFallbackInput!) { setRoutingFallback(input: $input) { teamId afterMinutes updatedBy } }`;
  const LIST = `query ($filter: LeadFilter) { leads(filter: $filter, first: 20) { totalCount edges { node { id } } } }`;
  const past = () => new Date(Date.now() - 1000);

  it('hands a lead no rule assigned (none matched, or the team of the one that did has nobody) to the fallback team\'s lead once its wait is over, once across workers, with LeadAssigned (FALLBACK)', async () => {
    const { admin, members, teamId, member } = await tenantWithTeam(2, { leadId: 'head-1' });
    // Set by admins and heads of sales only; a team of another tenant or none is NOT_FOUND; the wait is bounded.
    expect(errorCodes(await call(member(members[0]!), SET_FALLBACK, { input: { teamId } }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await call(member(members[0]!), `{ routingFallback { teamId } }`))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await call(admin, SET_FALLBACK, { input: { teamId: '0123456789abcdef01234567' } }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(testIdentity(undefined, ['admin']), SET_FALLBACK, { input: { teamId } }))).toEqual(['NOT_FOUND']);
    for (const afterMinutes of [-1, 43_201]) expect(errorCodes(await call(admin, SET_FALLBACK, { input: { teamId, afterMinutes } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(admin, SET_FALLBACK, { input: { teamId: 'nope' } }))).toEqual(['BAD_USER_INPUT']);
    expect(dataOf(await call(admin, `{ routingFallback { teamId afterMinutes updatedBy } }`)).routingFallback).toEqual({ teamId: null, afterMinutes: 60, updatedBy: null });
    const head = testIdentity(admin.tenantId, ['head_of_sales']);
    expect(dataOf(await call(head, SET_FALLBACK, { input: { teamId, afterMinutes: 15 } })).setRoutingFallback).toEqual({ teamId, afterMinutes: 15, updatedBy: head.userId });

    const empty = await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('empty'), leadId: null, memberIds: [] });
    await createRule(admin, { name: 'calls', match: { sources: ['CALL'] }, teamId: empty._id.toString(), method: 'ROUND_ROBIN' });
    const nobodyOnCalls = await createLead(admin, { source: 'CALL', name: 'Nobody on calls' });
    const unmatched = await createLead(admin, { source: 'EMAIL', name: 'Unmatched' });
    for (const lead of [nobodyOnCalls, unmatched]) {
      const stored = (await LeadModel.findById(lead.id).lean())!;
      expect(stored).toMatchObject({ status: 'NEW', assigneeId: null, slaState: 'UNASSIGNED' });
      expect(stored.assignBy!.getTime() - stored.createdAt.getTime()).toBe(15 * 60_000);
    }
    expect(dataOf(await call(admin, `query ($id: ID!) { lead(id: $id) { assignBy } }`, { id: unmatched.id })).lead.assignBy).toEqual(expect.any(String));
    // Not before the wait is over.
    await assignUnroutedLeads(10);
    expect(await LeadModel.findById(unmatched.id).lean()).toMatchObject({ status: 'NEW', assigneeId: null });

    // The wait is over: this instance's worker and three more polls at once hand each lead over once.
    await LeadModel.updateMany({ tenantId: admin.tenantId }, { $set: { assignBy: past() } });
    await Promise.all([assignUnroutedLeads(10), assignUnroutedLeads(10), assignUnroutedLeads(10)]);
    for (const lead of [nobodyOnCalls, unmatched]) {
      const after = await waitFor(async () => {
        const stored = await LeadModel.findById(lead.id).lean();
        return stored?.status === 'ASSIGNED' && stored;
      });
      expect(after).toMatchObject({ assigneeId: 'head-1', teamId, ruleId: null, slaState: null, acceptBy: null, escalatedAt: expect.any(Date) });
      expect(after.assignments).toEqual([
        { by: 'escalation', from: null, to: 'head-1', teamId, ruleId: null, method: 'FALLBACK', reason: expect.stringContaining('fallback team'), at: expect.any(Date) },
      ]);
    }
    await leadEvents(admin.tenantId, 'LeadAssigned', 2);
    await new Promise((done) => setTimeout(done, 500));
    const assigned = distinct(await leadEvents(admin.tenantId, 'LeadAssigned', 2));
    expect(assigned.map((event) => event.data).sort((a: any, b: any) => a.leadId.localeCompare(b.leadId))).toEqual(
      [nobodyOnCalls.id, unmatched.id].sort().map((leadId) => ({
        leadId, assigneeId: 'head-1', previousAssigneeId: null, teamId, ruleId: null, method: 'FALLBACK', reason: expect.stringContaining('within 15 minutes'), acceptBy: null, assignedAt: expect.any(String),
      })),
    );
  });

  it('without a fallback (or once it is removed) such a lead stays unassigned, listed by leads(filter: { unassigned: true }); one taken in before the fallback was set is brought in by it; one assigned by hand first is left alone; without a team lead the first member gets it', async () => {
    const { admin, members, teamId, member } = await tenantWithTeam(2, { leadId: null });
    const [anna, ben] = members as [string, string];
    await createRule(admin, { name: 'web forms', match: { sources: ['WEB_FORM'] }, teamId, method: 'ROUND_ROBIN' });
    const routed = await createLead(admin, { source: 'WEB_FORM', name: 'Routed' });
    const before = await createLead(admin, { source: 'EMAIL', name: 'Before any fallback' });
    expect(await LeadModel.findById(before.id).lean()).toMatchObject({ status: 'NEW', slaState: null, assignBy: null });

    dataOf(await call(admin, SET_FALLBACK, { input: { teamId, afterMinutes: 1 } }));
    // The setting brings in the lead taken in before it (its backlog, test/lead-fallback.test.ts): it waits as well.
    await bringInBacklogs(10);
    expect(await LeadModel.findById(before.id).lean()).toMatchObject({ status: 'NEW', slaState: 'UNASSIGNED', assignBy: expect.any(Date) });
    const handed = await createLead(admin, { source: 'EMAIL', name: 'Handed over' });
    const byHand = await createLead(admin, { source: 'EMAIL', name: 'Taken by hand' });
    dataOf(await call(member(ben), `{ me { id } }`));
    dataOf(await call(admin, `mutation ($id: ID!, $u: ID!) { assignLead(id: $id, userId: $u) { id } }`, { id: byHand.id, u: ben }));
    expect(await LeadModel.findById(byHand.id).lean()).toMatchObject({ slaState: null, assigneeId: ben });
    await LeadModel.updateMany({ tenantId: admin.tenantId }, { $set: { assignBy: past() } });
    await assignUnroutedLeads(10);
    expect(await waitFor(async () => (await LeadModel.findById(handed.id).lean())?.assigneeId)).toBe(anna);
    expect((await LeadModel.findById(handed.id).lean())!.assignments[0]!.reason).toContain('its first member (the team has no active lead)');
    expect((await LeadModel.findById(before.id).lean())!.assignments.map((a) => [a.method, a.to])).toEqual([['FALLBACK', anna]]);
    expect((await LeadModel.findById(byHand.id).lean())!.assignments.map((a) => [a.method, a.to])).toEqual([['MANUAL', ben]]);

    // Removed before a lead's wait is over: the lead stays unassigned, its wait ended.
    const removed = await createLead(admin, { source: 'EMAIL', name: 'Fallback removed' });
    expect(dataOf(await call(admin, SET_FALLBACK, { input: { teamId: null } })).setRoutingFallback).toEqual({ teamId: null, afterMinutes: 60, updatedBy: admin.userId });
    await LeadModel.updateOne({ _id: removed.id }, { $set: { assignBy: past() } });
    await assignUnroutedLeads(10);
    expect(await waitFor(async () => {
      const stored = await LeadModel.findById(removed.id).lean();
      return stored?.slaState === null && stored;
    })).toMatchObject({ status: 'NEW', assigneeId: null, assignments: [] });
    // Taken in without a fallback: waits for nothing.
    const without = await createLead(admin, { source: 'EMAIL', name: 'Without a fallback' });
    expect(await LeadModel.findById(without.id).lean()).toMatchObject({ status: 'NEW', slaState: null, assignBy: null });

    const ids = async (identity: Identity, filter: object) => dataOf(await call(identity, LIST, { filter })).leads.edges.map((edge: any) => edge.node.id);
    expect(await ids(admin, { unassigned: true })).toEqual([without.id, removed.id]);
    expect(await ids(admin, { unassigned: true, status: 'NEW' })).toEqual([without.id, removed.id]);
    expect((await ids(admin, { unassigned: false })).length).toBe(6);
    expect(await ids(member(anna), { unassigned: true })).toEqual([]);
    expect(errorCodes(await call(admin, LIST, { filter: { unassigned: true, assigneeId: anna } }))).toEqual(['BAD_USER_INPUT']);
    expect(routed.assigneeId).toBe(anna);
  });
});

describe('webhook route', () => {
  const post = async (identity: Identity, headers: Record<string, string>, body: string) => {
    const response = await fetch(`${service.url.replace(/\/graphql$/, '')}/webhooks/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: await signInternalIdentity(identity, LOCAL_INTERNAL_SECRET), ...headers },
      body,
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const CREATE_KEY = `mutation ($channel: LeadSource!, $name: String!) { createLeadApiKey(channel: $channel, name: $name) { id channel name secret } }`;

  it('takes leads with a tenant API key for its channel: 201 then 200 for the same external id, 401 and 400 as JSON errors', async () => {
    const { admin, teamId } = await tenantWithTeam(1);
    await createRule(admin, { name: 'forms', teamId, method: 'ROUND_ROBIN' });
    expect(errorCodes(await call(testIdentity(admin.tenantId, ['manager']), CREATE_KEY, { channel: 'WEB_FORM', name: 'site' }))).toEqual(['FORBIDDEN']);
    const key = dataOf(await call(admin, CREATE_KEY, { channel: 'WEB_FORM', name: 'Main site' })).createLeadApiKey;
    expect(key.secret).toMatch(/^lk_/);
    // The secret is shown once and stored only as a hash.
    const listed = dataOf(await call(admin, `{ leadApiKeys { id secret } }`)).leadApiKeys;
    expect(listed).toEqual([{ id: key.id, secret: null }]);
    const webhook = { tenantId: admin.tenantId, userId: 'webhook', roles: ['manager'] } as Identity;
    const body = JSON.stringify({ externalId: 'wf-1', name: 'Ida Berg', email: 'ida@example.com', utm: 'x' });
    const first = await post(webhook, { 'x-api-key': key.secret }, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'ASSIGNED', created: true });
    const again = await post(webhook, { 'x-api-key': key.secret }, body);
    expect(again).toEqual({ status: 200, body: { leadId: first.body.leadId, status: 'ASSIGNED', created: false } });
    const stored = (await LeadModel.findById(first.body.leadId).lean())!;
    expect(stored).toMatchObject({ source: 'WEB_FORM', name: 'Ida Berg' });
    expect(JSON.parse(stored.raw!)).toEqual({ externalId: 'wf-1', name: 'Ida Berg', email: 'ida@example.com', utm: 'x' });

    expect((await post(webhook, {}, body)).status).toBe(401);
    expect((await post(webhook, { 'x-api-key': key.secret.slice(0, -2) + 'xx' }, body)).status).toBe(401);
    // The key names its tenant: signed for another tenant it is refused.
    expect((await post({ ...webhook, tenantId: 'other-tenant' }, { 'x-api-key': key.secret }, body)).status).toBe(401);
    const badJson = await post(webhook, { 'x-api-key': key.secret }, '{not json');
    expect(badJson).toEqual({ status: 400, body: { errors: [{ message: 'the body must be a JSON object', extensions: { code: 'BAD_USER_INPUT' } }] } });
    expect((await post(webhook, { 'x-api-key': key.secret }, JSON.stringify({ phone: '12' }))).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await post(webhook, { 'x-api-key': key.secret }, JSON.stringify({ blob: 'x'.repeat(70 * 1024) }))).status).toBe(413);
    // A revoked key is refused.
    dataOf(await call(admin, `mutation ($id: ID!) { revokeLeadApiKey(id: $id) { revokedAt } }`, { id: key.id }));
    expect((await post(webhook, { 'x-api-key': key.secret }, body)).status).toBe(401);
    expect(await LeadModel.countDocuments({ tenantId: admin.tenantId })).toBe(1);
  });
});
