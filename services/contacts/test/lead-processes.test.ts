// Leads across processes: the conversion saga killed (SIGKILL) after each of its steps converges
// after a restart and a second call to one company, one contact and one LeadConverted (one deal
// id); the SLA escalation, the routing fallback for leads no rule assigned (taken in while it is
// set, or before: its backlog), and an escalation falling through to the fallback fire once per
// lead with two instances, one of them killed midway.
// The second instance is the service as built (`node dist/main.js`) on the same database and groups.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Identity } from '@crm/auth';
import { parseEvent, topics, type Envelope } from '@crm/events';
import { readTopics, type TopicReader } from '@crm/messaging/testing';
import { dataOf, errorCodes, freePort, serviceUnderTest, subgraphRequest, testIdentity, uniqueId, waitFor } from '@crm/testing';
import { CompanyModel } from '../src/modules/company/company.model';
import { createCompany } from '../src/modules/company/company.write';
import { ContactModel } from '../src/modules/contact/contact.model';
import { derivedId } from '../src/modules/lead/lead-ids';
import { LeadModel } from '../src/modules/lead/lead.model';
import { TeamModel } from '../src/modules/team/team.model';
import { startContacts } from '../src/service';

const service = serviceUnderTest('contacts', (env) => startContacts({ ...env, LEAD_ESCALATION_POLL_MS: '150' }));

interface Instance {
  child: ChildProcess;
  url: string;
}

/** A second instance on the same database and consumer groups, ready to answer. */
async function startInstance(env: NodeJS.ProcessEnv = {}): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: resolve(__dirname, '..'),
    env: { ...service.env, LEAD_ESCALATION_POLL_MS: '100', ...env, PORT: String(port), LOG_LEVEL: 'fatal', KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined))?.ok, { timeoutMs: 60_000, what: 'the second instance ready' });
  return { child, url: `http://127.0.0.1:${port}/graphql` };
}
const exited = (child: ChildProcess) =>
  new Promise<NodeJS.Signals | null>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done(child.signalCode);
    child.once('exit', (_code, signal) => done(signal));
  });
async function stopInstance(instance: Instance | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!instance) return;
  const done = exited(instance.child);
  if (instance.child.exitCode === null && instance.child.signalCode === null) instance.child.kill(signal);
  await done;
}

let reader: TopicReader;
let second: Instance | undefined;
beforeAll(async () => {
  reader = await readTopics([topics.lead]);
});
afterAll(async () => {
  await stopInstance(second);
  await reader.close();
});

const leadEventsOf = (tenantId: string, type: string): Envelope[] => [
  ...new Map(reader.messages.flatMap((m) => (m.event?.tenantId === tenantId && m.event.type === type ? [[m.event.id, parseEvent(m.event)] as const] : []))).values(),
];

/** A tenant with one team and a round-robin rule with an SLA. */
async function tenantWithTeam(members: string[], slaMinutes = 30) {
  const admin = testIdentity(undefined, ['admin', 'head_of_sales']);
  const team = await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('team'), leadId: 'head-1', memberIds: members });
  const RULE = `mutation ($input: CreateRoutingRuleInput!) { createRoutingRule(input: $input) { id } }`;
  dataOf(await subgraphRequest(service.url, admin, RULE, { input: { name: 'all', teamId: team._id.toString(), method: 'ROUND_ROBIN', slaMinutes } }));
  return { admin, teamId: team._id.toString() };
}
const createLead = async (url: string, identity: Identity, input: object) =>
  dataOf(await subgraphRequest(url, identity, `mutation ($input: CreateLeadInput!) { createLead(input: $input) { id assigneeId } }`, { input })).createLead;

const CONVERT = `mutation ($id: ID!, $input: ConvertLeadInput) { convertLead(id: $id, input: $input) {
  id status conversion { companyId contactId dealId deal { pipelineId title amount currency } convertedAt company { id name } contact { id firstName lastName } } } }`;
const DEAL = { pipelineId: '0123456789abcdef0123aaaa', title: 'Office cleaning', amount: 48000, currency: 'EUR' };

describe('lead conversion saga', () => {
  it.each(['plan', 'company', 'contact'] as const)('killed after the %s step, converges after a restart and a second call to one company, contact and deal', async (step) => {
    const { admin, teamId } = await tenantWithTeam(['anna']);
    const lead = await createLead(service.url, admin, { source: 'WEB_FORM', name: 'Mara Huber', email: `mara.${step}@example.com`, companyName: 'Huber Logistik', industry: 'Logistics', city: 'Munich', country: 'DE' });
    const leadId: string = lead.id;
    const ids = { companyId: derivedId(leadId, 'company'), contactId: derivedId(leadId, 'contact'), dealId: derivedId(leadId, 'deal') };

    // The instance dies (SIGKILL) right after the step: the caller gets no answer.
    second = await startInstance({ CONTACTS_CRASH_AFTER_CONVERSION_STEP: step });
    const died = exited(second.child);
    await expect(subgraphRequest(second.url, admin, CONVERT, { id: leadId, input: { deal: DEAL } })).rejects.toThrow();
    expect(await died).toBe('SIGKILL');
    const halfway = (await LeadModel.findById(leadId).lean())!;
    expect(halfway.status).toBe('ASSIGNED');
    expect(halfway.conversion).toMatchObject({ ...ids, createCompany: true, createContact: true, convertedAt: null });
    expect(await CompanyModel.countDocuments({ tenantId: admin.tenantId, _id: ids.companyId })).toBe(step === 'plan' ? 0 : 1);
    expect(await ContactModel.countDocuments({ tenantId: admin.tenantId, _id: ids.contactId })).toBe(step === 'contact' ? 1 : 0);

    // Restarted, the same call finishes the conversion with the planned ids (a different input is ignored).
    second = await startInstance();
    const converted = dataOf(await subgraphRequest(second.url, admin, CONVERT, { id: leadId, input: { deal: { ...DEAL, title: 'Another title' } } })).convertLead;
    expect(converted).toMatchObject({
      status: 'CONVERTED',
      conversion: { ...ids, deal: DEAL, company: { id: ids.companyId, name: 'Huber Logistik' }, contact: { id: ids.contactId, firstName: 'Mara', lastName: 'Huber' } },
    });
    await stopInstance(second);
    second = undefined;
    // A further call (on the other instance) answers the converted lead and makes nothing new.
    expect(dataOf(await subgraphRequest(service.url, admin, CONVERT, { id: leadId })).convertLead).toEqual(converted);

    expect(await CompanyModel.countDocuments({ tenantId: admin.tenantId, _id: { $in: [ids.companyId] } })).toBe(1);
    const contacts = await ContactModel.find({ tenantId: admin.tenantId, companyId: ids.companyId }).lean();
    expect(contacts.map((contact) => contact._id.toString())).toEqual([ids.contactId]);
    const company = (await CompanyModel.findById(ids.companyId).lean())!;
    expect(company).toMatchObject({ industry: 'Logistics', source: 'WEB_FORM', ownerId: 'anna', teamId });
    // One LeadConverted, naming the deal the deals service creates.
    await reader.waitFor(() => leadEventsOf(admin.tenantId, 'LeadConverted').length >= 1, 'LeadConverted');
    await new Promise((done) => setTimeout(done, 500));
    const events = leadEventsOf(admin.tenantId, 'LeadConverted');
    expect(events.map((event) => event.data)).toEqual([
      { leadId, lead: { name: 'Mara Huber', source: 'WEB_FORM', campaignId: null }, ...ids, deal: { ...DEAL, ownerId: 'anna', teamId, source: 'WEB_FORM' }, convertedBy: admin.userId },
    ]);
  });

  it('two calls at once make one of each; given records are linked, another tenant\'s are NOT_FOUND; an existing email links its contact', async () => {
    const { admin } = await tenantWithTeam(['anna']);
    const lead = await createLead(service.url, admin, { source: 'CALL', name: 'Ida Berg', companyName: 'Berg AG' });
    const [one, two] = await Promise.all([0, 1].map(async () => dataOf(await subgraphRequest(service.url, admin, CONVERT, { id: lead.id })).convertLead));
    expect(one.conversion).toEqual(two.conversion);
    expect(one.conversion.dealId).toBeNull();
    expect(await ContactModel.countDocuments({ tenantId: admin.tenantId, companyId: one.conversion.companyId })).toBe(1);
    await reader.waitFor(() => leadEventsOf(admin.tenantId, 'LeadConverted').length >= 1, 'LeadConverted');
    // The lead stays on the company's and the contact's timelines.
    const TIMELINE = `query ($id: ID!) { company(id: $id) { timeline(first: 20) { edges { node { kind summary } } } } contact(id: $cid) { timeline(first: 20) { edges { node { kind summary } } } } }`;
    const timelines = await waitFor(async () => {
      const answer = dataOf(await subgraphRequest(service.url, admin, TIMELINE.replace('($id: ID!)', '($id: ID!, $cid: ID!)'), { id: one.conversion.companyId, cid: one.conversion.contactId }));
      const kinds = (of: any) => of.timeline.edges.map((edge: any) => edge.node);
      const [company, contact] = [kinds(answer.company), kinds(answer.contact)];
      return company.some((entry: any) => entry.kind === 'LEAD_CONVERTED') && contact.some((entry: any) => entry.kind === 'LEAD_CONVERTED') && { company, contact };
    });
    expect(timelines.company).toContainEqual({ kind: 'LEAD_CONVERTED', summary: 'Converted from lead "Ida Berg" (CALL)' });
    expect(timelines.contact).toContainEqual({ kind: 'LEAD_CONVERTED', summary: 'Converted from lead "Ida Berg" (CALL)' });

    // Linking: an existing company is used as it is; the contact holding the lead's email is linked, not duplicated.
    const CREATE_COMPANY = `mutation { createCompany(input: { name: "Existing GmbH" }) { id } }`;
    const companyId = dataOf(await subgraphRequest(service.url, admin, CREATE_COMPANY)).createCompany.id;
    const CREATE_CONTACT = `mutation ($input: CreateContactInput!) { createContact(input: $input) { id } }`;
    const contactId = dataOf(await subgraphRequest(service.url, admin, CREATE_CONTACT, { input: { firstName: 'Jo', lastName: 'Known', email: 'jo@example.com' } })).createContact.id;
    const known = await createLead(service.url, admin, { source: 'EMAIL', name: 'Jo Known', email: 'jo@example.com' });
    const linked = dataOf(await subgraphRequest(service.url, admin, CONVERT, { id: known.id, input: { companyId } })).convertLead;
    expect(linked.conversion).toMatchObject({ companyId, contactId });
    expect(await CompanyModel.countDocuments({ tenantId: admin.tenantId, _id: derivedId(known.id, 'company') })).toBe(0);

    const stranger = testIdentity(undefined, ['admin']);
    const theirs = dataOf(await subgraphRequest(service.url, stranger, CREATE_COMPANY)).createCompany.id;
    const third = await createLead(service.url, admin, { source: 'EMAIL', name: 'Third' });
    expect(errorCodes(await subgraphRequest(service.url, admin, CONVERT, { id: third.id, input: { companyId: theirs } }))).toEqual(['NOT_FOUND']);
    expect((await LeadModel.findById(third.id).lean())!.conversion).toBeNull();
    expect(errorCodes(await subgraphRequest(service.url, stranger, CONVERT, { id: third.id }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await subgraphRequest(service.url, admin, CONVERT, { id: third.id, input: { deal: { ...DEAL, currency: 'euro' } } }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('lead conversion refused by its own records', () => {
  it('refuses, before anything is written, a lead whose contact createContact would refuse; a plan stuck on it is replaced by a corrected call', async () => {
    const { admin } = await tenantWithTeam(['anna']);
    const CREATE_CONTACT = `mutation ($input: CreateContactInput!) { createContact(input: $input) { id } }`;
    // A lead's name may be 200 characters, a person's last name 100: one long word is the last name.
    const longName = 'W'.repeat(150);
    const lead = await createLead(service.url, admin, { source: 'CALL', name: longName, companyName: 'Wordy GmbH' });
    const ids = { companyId: derivedId(lead.id, 'company'), contactId: derivedId(lead.id, 'contact') };
    const refused = await subgraphRequest(service.url, admin, CONVERT, { id: lead.id });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'contact.lastName' });
    expect(await LeadModel.findById(lead.id).lean()).toMatchObject({ status: 'ASSIGNED', conversion: null });
    expect(await CompanyModel.countDocuments({ tenantId: admin.tenantId, _id: ids.companyId })).toBe(0);

    // As such a call left a lead before the check: the plan stored, its company created, its contact refused.
    const stuck = await createLead(service.url, admin, { source: 'CALL', name: longName, companyName: 'Stuck GmbH' });
    const stuckIds = { companyId: derivedId(stuck.id, 'company'), contactId: derivedId(stuck.id, 'contact') };
    const plan = { ...stuckIds, createCompany: true, createContact: true, dealId: null, deal: null, startedBy: admin.userId, startedAt: new Date(), convertedAt: null };
    await LeadModel.updateOne({ _id: stuck.id }, { $set: { conversion: plan } });
    await createCompany({ tenantId: admin.tenantId, userId: admin.userId }, { name: 'Stuck GmbH', ownerId: 'anna' }, undefined, stuckIds.companyId);
    // Retried as it is: the same refusal, named, and the plan untouched.
    const again = await subgraphRequest(service.url, admin, CONVERT, { id: stuck.id });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'contact.lastName' });
    expect((await LeadModel.findById(stuck.id).lean())!.conversion).toMatchObject(stuckIds);
    // Corrected, onto an existing person: converted, with the company the stuck plan created (none left behind).
    const existing = dataOf(await subgraphRequest(service.url, admin, CREATE_CONTACT, { input: { firstName: 'Walter', lastName: 'Wordsworth' } })).createContact.id;
    const converted = dataOf(await subgraphRequest(service.url, admin, CONVERT, { id: stuck.id, input: { contactId: existing } })).convertLead;
    expect(converted).toMatchObject({ status: 'CONVERTED', conversion: { companyId: stuckIds.companyId, contactId: existing, company: { name: 'Stuck GmbH' }, contact: { id: existing } } });
    expect(await CompanyModel.countDocuments({ tenantId: admin.tenantId, name: 'Stuck GmbH' })).toBe(1);
    expect(await ContactModel.countDocuments({ tenantId: admin.tenantId, _id: stuckIds.contactId })).toBe(0);
  });
});

describe('escalation across instances', () => {
  /** A deadline of the leads passing in three waves of 4; the second instance is killed after the first and started again. */
  async function expireInWaves(leads: string[], deadline: 'acceptBy' | 'assignBy'): Promise<void> {
    const expire = (ids: string[]) => LeadModel.updateMany({ _id: { $in: ids } }, { $set: { [deadline]: new Date(Date.now() - 1000) } });
    await expire(leads.slice(0, 4));
    await new Promise((done) => setTimeout(done, 150));
    await stopInstance(second, 'SIGKILL');
    await expire(leads.slice(4, 8));
    second = await startInstance();
    await expire(leads.slice(8));
  }

  it('escalates each lead once with two instances polling, one of them killed and restarted midway', async () => {
    const { admin } = await tenantWithTeam(['anna', 'ben'], 1);
    second = await startInstance();
    const leads: string[] = [];
    for (let i = 0; i < 12; i += 1) leads.push((await createLead(service.url, admin, { source: 'WEB_CHAT', name: `Lead ${i}` })).id);
    // As if the SLA ran out.
    await expireInWaves(leads, 'acceptBy');

    await waitFor(async () => (await LeadModel.countDocuments({ tenantId: admin.tenantId, slaState: 'WAITING' })) === 0, { timeoutMs: 30_000, what: 'every lead escalated' });
    await reader.waitFor(() => leadEventsOf(admin.tenantId, 'LeadEscalated').length >= 12, '12 LeadEscalated');
    // More polls of both instances: nothing more may come.
    await new Promise((done) => setTimeout(done, 1000));
    const escalated = leadEventsOf(admin.tenantId, 'LeadEscalated');
    expect(escalated.map((event) => event.aggregateId).sort()).toEqual([...leads].sort());
    expect(escalated.every((event) => (event.data as { toAssigneeId: string }).toAssigneeId === 'head-1')).toBe(true);
    for (const lead of await LeadModel.find({ tenantId: admin.tenantId }).lean()) {
      expect(lead.assignments.map((assignment) => assignment.method)).toEqual(['ROUND_ROBIN', 'ESCALATION']);
    }
  });

  it('hands each lead no rule assigned to the routing fallback once with two instances polling, one of them killed and restarted midway', async () => {
    const admin = testIdentity(undefined, ['admin', 'head_of_sales']);
    const team = await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('team'), leadId: 'head-1', memberIds: ['anna'] });
    const teamId = team._id.toString();
    // A rule for calls only: the chats below match nothing and wait 10 minutes for the fallback.
    dataOf(await subgraphRequest(service.url, admin, `mutation ($input: CreateRoutingRuleInput!) { createRoutingRule(input: $input) { id } }`, { input: { name: 'calls', match: { sources: ['CALL'] }, teamId, method: 'ROUND_ROBIN' } }));
    dataOf(await subgraphRequest(service.url, admin, `mutation ($input: RoutingFallbackInput!) { setRoutingFallback(input: $input) { teamId } }`, { input: { teamId, afterMinutes: 10 } }));
    // The second instance of the test before, if any, is replaced (afterAll stops the last one only).
    await stopInstance(second);
    second = await startInstance();
    const leads: string[] = [];
    for (let i = 0; i < 12; i += 1) leads.push((await createLead(second.url, admin, { source: 'WEB_CHAT', name: `Unrouted ${i}` })).id);
    expect(await LeadModel.countDocuments({ tenantId: admin.tenantId, slaState: 'UNASSIGNED', assigneeId: null })).toBe(12);
    await expireInWaves(leads, 'assignBy');

    await waitFor(async () => (await LeadModel.countDocuments({ tenantId: admin.tenantId, assigneeId: 'head-1' })) === 12, { timeoutMs: 30_000, what: 'every lead handed to the fallback' });
    await reader.waitFor(() => leadEventsOf(admin.tenantId, 'LeadAssigned').length >= 12, '12 LeadAssigned');
    await new Promise((done) => setTimeout(done, 1000));
    const assigned = leadEventsOf(admin.tenantId, 'LeadAssigned');
    expect(assigned.map((event) => event.aggregateId).sort()).toEqual([...leads].sort());
    expect(assigned.every((event) => (event.data as { method: string; assigneeId: string }).method === 'FALLBACK' && (event.data as { assigneeId: string }).assigneeId === 'head-1')).toBe(true);
    for (const lead of await LeadModel.find({ tenantId: admin.tenantId }).lean()) {
      expect(lead).toMatchObject({ status: 'ASSIGNED', slaState: null, teamId });
      expect(lead.assignments.map((assignment) => [assignment.method, assignment.to])).toEqual([['FALLBACK', 'head-1']]);
    }
  });

  /** A tenant with a fallback team (lead `head-f`); `setFallback` sets it to wait `afterMinutes`. */
  async function tenantWithFallbackTeam() {
    const admin = testIdentity(undefined, ['admin', 'head_of_sales']);
    const fallback = await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('fallback'), leadId: 'head-f', memberIds: ['fiona'] });
    const fallbackTeamId = fallback._id.toString();
    const setFallback = async (afterMinutes: number) =>
      dataOf(await subgraphRequest(service.url, admin, `mutation ($input: RoutingFallbackInput!) { setRoutingFallback(input: $input) { teamId } }`, { input: { teamId: fallbackTeamId, afterMinutes } }));
    return { admin, fallbackTeamId, setFallback };
  }

  it('brings in the leads left unassigned before the fallback was set and hands each over once, with two instances polling, one of them killed and restarted midway', async () => {
    const { admin, fallbackTeamId, setFallback } = await tenantWithFallbackTeam();
    await stopInstance(second);
    second = await startInstance();
    // Taken in with no fallback and no rule: unassigned, waiting for nothing.
    const leads: string[] = [];
    for (let i = 0; i < 12; i += 1) leads.push((await createLead(second.url, admin, { source: 'EMAIL', name: `Backlog ${i}` })).id);
    expect(await LeadModel.countDocuments({ tenantId: admin.tenantId, status: 'NEW', slaState: null })).toBe(12);
    await setFallback(10);
    // Both instances' workers walk the backlog: every lead waits 10 minutes from the setting.
    await waitFor(async () => (await LeadModel.countDocuments({ tenantId: admin.tenantId, slaState: 'UNASSIGNED' })) === 12, { timeoutMs: 30_000, what: 'the backlog brought in' });
    await expireInWaves(leads, 'assignBy');

    await waitFor(async () => (await LeadModel.countDocuments({ tenantId: admin.tenantId, assigneeId: 'head-f' })) === 12, { timeoutMs: 30_000, what: 'every lead handed to the fallback' });
    await reader.waitFor(() => leadEventsOf(admin.tenantId, 'LeadAssigned').length >= 12, '12 LeadAssigned');
    await new Promise((done) => setTimeout(done, 1000));
    const assigned = leadEventsOf(admin.tenantId, 'LeadAssigned');
    expect(assigned.map((event) => event.aggregateId).sort()).toEqual([...leads].sort());
    expect(assigned.every((event) => (event.data as { method: string; previousAssigneeId: string | null }).method === 'FALLBACK' && (event.data as { previousAssigneeId: string | null }).previousAssigneeId === null)).toBe(true);
    expect(leadEventsOf(admin.tenantId, 'LeadEscalated')).toEqual([]);
    for (const lead of await LeadModel.find({ tenantId: admin.tenantId }).lean()) {
      expect(lead).toMatchObject({ status: 'ASSIGNED', slaState: null, teamId: fallbackTeamId });
      expect(lead.assignments.map((assignment) => [assignment.method, assignment.to])).toEqual([['FALLBACK', 'head-f']]);
    }
  });

  it('an escalation with nobody left in the team falls through to the fallback once per lead, with LeadEscalated and LeadAssigned, with two instances polling, one of them killed and restarted midway', async () => {
    const { admin, fallbackTeamId, setFallback } = await tenantWithFallbackTeam();
    // Anna alone, without a team lead: nobody to escalate her leads to.
    const solo = await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('solo'), leadId: null, memberIds: ['anna'] });
    dataOf(await subgraphRequest(service.url, admin, `mutation ($input: CreateRoutingRuleInput!) { createRoutingRule(input: $input) { id } }`, { input: { name: 'all', teamId: solo._id.toString(), method: 'ROUND_ROBIN', slaMinutes: 1 } }));
    await setFallback(60);
    await stopInstance(second);
    second = await startInstance();
    const leads: string[] = [];
    for (let i = 0; i < 12; i += 1) leads.push((await createLead(second.url, admin, { source: 'WEB_CHAT', name: `Unaccepted ${i}` })).id);
    await expireInWaves(leads, 'acceptBy');

    await waitFor(async () => (await LeadModel.countDocuments({ tenantId: admin.tenantId, assigneeId: 'head-f' })) === 12, { timeoutMs: 30_000, what: 'every lead fallen through to the fallback' });
    await reader.waitFor(() => leadEventsOf(admin.tenantId, 'LeadEscalated').length >= 12, '12 LeadEscalated');
    await new Promise((done) => setTimeout(done, 1000));
    const escalated = leadEventsOf(admin.tenantId, 'LeadEscalated');
    expect(escalated.map((event) => event.aggregateId).sort()).toEqual([...leads].sort());
    expect(escalated.every((event) => (event.data as { fromAssigneeId: string; toAssigneeId: string; teamId: string }).toAssigneeId === 'head-f' && (event.data as { fromAssigneeId: string }).fromAssigneeId === 'anna' && (event.data as { teamId: string }).teamId === fallbackTeamId)).toBe(true);
    const fellThrough = leadEventsOf(admin.tenantId, 'LeadAssigned').filter((event) => (event.data as { method: string }).method === 'FALLBACK');
    expect(fellThrough.map((event) => event.aggregateId).sort()).toEqual([...leads].sort());
    for (const lead of await LeadModel.find({ tenantId: admin.tenantId }).lean()) {
      expect(lead).toMatchObject({ status: 'ASSIGNED', slaState: null, teamId: fallbackTeamId });
      expect(lead.assignments.map((assignment) => [assignment.method, assignment.from, assignment.to])).toEqual([
        ['ROUND_ROBIN', null, 'anna'],
        ['FALLBACK', 'anna', 'head-f'],
      ]);
    }
  });
});
