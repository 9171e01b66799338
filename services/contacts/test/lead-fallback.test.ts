// The routing fallback beyond the leads taken in while it is set, on the real store and broker,
// poll by poll: this instance's escalation worker waits an hour between polls, and the tests call
// its steps as the instances would (several at once for the races). The backlog: leads left
// unassigned before a fallback was set, or whose wait ended, are brought in by a setting, a
// batch per poll, and wait from the setting. Escalation: a lead not accepted in time whose team
// has nobody left to escalate to falls through to the fallback team, with LeadEscalated and
// LeadAssigned (FALLBACK). The multi-process cases are in lead-processes.test.ts.
import type { Identity } from '@crm/auth';
import { parseEvent, topics, type Envelope } from '@crm/events';
import { readTopics, type TopicReader } from '@crm/messaging/testing';
import { dataOf, serviceUnderTest, subgraphRequest, testIdentity, uniqueId, waitFor } from '@crm/testing';
import { LeadModel, type LeadDoc } from '../src/modules/lead/lead.model';
import { assignUnroutedLeads, bringInBacklogs, escalateDueLeads } from '../src/modules/routing/escalation.worker';
import { RoutingFallbackModel } from '../src/modules/routing/routing-fallback.model';
import { TeamModel } from '../src/modules/team/team.model';
import { startContacts } from '../src/service';

const service = serviceUnderTest('contacts', (env) => startContacts({ ...env, LEAD_ESCALATION_POLL_MS: '3600000' }));
let reader: TopicReader;
beforeAll(async () => {
  reader = await readTopics([topics.lead]);
});
afterAll(async () => {
  await reader.close();
});

const call = (identity: Identity, query: string, variables: object = {}) => subgraphRequest(service.url, identity, query, variables);
const CREATE_LEAD = `mutation ($input: CreateLeadInput!) { createLead(input: $input) { id status assigneeId } }`;
const SET_FALLBACK = `mutation ($input: RoutingFallbackInput!) { setRoutingFallback(input: $input) { teamId afterMinutes updatedAt } }`;
const createLead = async (identity: Identity, input: object) => dataOf(await call(identity, CREATE_LEAD, { input })).createLead;
const setFallback = async (identity: Identity, input: object) => dataOf(await call(identity, SET_FALLBACK, { input })).setRoutingFallback;
const lead = async (id: string) => (await LeadModel.findById(id).lean<LeadDoc>())!;
const minutes = (n: number) => n * 60_000;
const past = () => new Date(Date.now() - 1000);

/** The tenant's lead events of one type, one per event id, after a moment for late copies. */
async function settledEvents(tenantId: string, type: string, count: number): Promise<Envelope[]> {
  const of = () => [
    ...new Map(reader.messages.flatMap((m) => (m.event?.tenantId === tenantId && m.event.type === type ? [[m.event.id, parseEvent(m.event)] as const] : []))).values(),
  ];
  await reader.waitFor(() => of().length >= count, `${count} ${type} of ${tenantId}`);
  await new Promise((done) => setTimeout(done, 500));
  return of();
}
/** Walks every pending backlog to its end in polls of `batch`; the leads each poll handled. */
async function walkBacklogs(batch: number): Promise<number[]> {
  const polls: number[] = [];
  for (let handled = await bringInBacklogs(batch); handled > 0; handled = await bringInBacklogs(batch)) polls.push(handled);
  return polls;
}

describe('routing fallback: the backlog', () => {
  it('a setting brings in the leads left unassigned before it, a batch per poll: they wait afterMinutes from the setting (however old), then go to the fallback once; other leads and tenants are left alone', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const team = await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('fallback'), leadId: 'head-1', memberIds: ['anna'] });
    const teamId = team._id.toString();
    // Five leads no rule assigns, taken in without a fallback: unassigned, waiting for nothing. One is three hours old.
    const backlog: string[] = [];
    for (let i = 0; i < 5; i += 1) backlog.push((await createLead(admin, { source: 'EMAIL', name: `Before ${i}` })).id);
    await LeadModel.collection.updateOne({ _id: (await lead(backlog[0]!))._id }, { $set: { createdAt: new Date(Date.now() - minutes(180)) } });
    // One assigned by hand meanwhile, and another tenant's unassigned lead (that tenant has no fallback).
    const byHand = await createLead(admin, { source: 'EMAIL', name: 'By hand' });
    dataOf(await call(testIdentity(admin.tenantId, ['manager'], 'anna'), `{ me { id } }`));
    dataOf(await call(admin, `mutation ($id: ID!) { assignLead(id: $id, userId: "anna") { id } }`, { id: byHand.id }));
    const stranger = testIdentity(undefined, ['admin']);
    const theirs = await createLead(stranger, { source: 'EMAIL', name: 'Another tenant' });
    for (const id of [...backlog, theirs.id]) expect(await lead(id)).toMatchObject({ status: 'NEW', assigneeId: null, slaState: null, assignBy: null });
    expect(await walkBacklogs(2)).toEqual([]);

    const before = Date.now();
    await setFallback(admin, { teamId, afterMinutes: 30 });
    const setting = (await RoutingFallbackModel.findById(admin.tenantId).lean())!;
    expect(setting).toMatchObject({ backlogPending: true, backlogCursor: null });
    expect(setting.since!.getTime()).toBeGreaterThanOrEqual(before);

    // Two leads per poll: 2, 2, then the last one (a short page ends the walk).
    expect(await bringInBacklogs(2)).toBe(2);
    expect(await LeadModel.countDocuments({ tenantId: admin.tenantId, slaState: 'UNASSIGNED' })).toBe(2);
    expect((await RoutingFallbackModel.findById(admin.tenantId).lean())!.backlogCursor).toBe(backlog[1]);
    expect(await walkBacklogs(2)).toEqual([2, 1]);
    expect(await RoutingFallbackModel.findById(admin.tenantId).lean()).toMatchObject({ backlogPending: false, backlogCursor: null, updatedAt: setting.updatedAt });
    const due = setting.since!.getTime() + minutes(30);
    for (const id of backlog) expect(await lead(id)).toMatchObject({ status: 'NEW', assigneeId: null, slaState: 'UNASSIGNED', assignBy: new Date(due) });
    expect(dataOf(await call(admin, `query ($id: ID!) { lead(id: $id) { assignBy } }`, { id: backlog[0] })).lead.assignBy).toBe(new Date(due).toISOString());
    expect(await lead(byHand.id)).toMatchObject({ status: 'ASSIGNED', assigneeId: 'anna', slaState: null, assignBy: null });
    expect(await lead(theirs.id)).toMatchObject({ status: 'NEW', slaState: null, assignBy: null });

    // Not before the wait (from the setting) is over, not even the three-hour-old lead.
    await assignUnroutedLeads(10);
    expect(await LeadModel.countDocuments({ tenantId: admin.tenantId, status: 'NEW', slaState: 'UNASSIGNED' })).toBe(5);
    // Over: three polls at once hand each lead over once.
    await LeadModel.updateMany({ tenantId: admin.tenantId, slaState: 'UNASSIGNED' }, { $set: { assignBy: past() } });
    await Promise.all([assignUnroutedLeads(10), assignUnroutedLeads(10), assignUnroutedLeads(10)]);
    for (const id of backlog) {
      const after = await lead(id);
      expect(after).toMatchObject({ status: 'ASSIGNED', assigneeId: 'head-1', teamId, slaState: null });
      expect(after.assignments.map((a) => [a.by, a.from, a.to, a.method])).toEqual([['escalation', null, 'head-1', 'FALLBACK']]);
    }
    const assigned = (await settledEvents(admin.tenantId, 'LeadAssigned', 6)).filter((event) => (event.data as { method: string }).method === 'FALLBACK');
    expect(assigned.map((event) => event.aggregateId).sort()).toEqual([...backlog].sort());
    expect(assigned.every((event) => (event.data as { previousAssigneeId: string | null }).previousAssigneeId === null)).toBe(true);
    // An unassigned lead taken by the fallback is an assignment, not an escalation.
    expect(reader.messages.filter((m) => m.event?.tenantId === admin.tenantId && m.event.type === 'LeadEscalated')).toEqual([]);
    expect(await lead(theirs.id)).toMatchObject({ status: 'NEW', assigneeId: null, slaState: null });
  });

  it('changing the fallback brings in the leads whose wait ended (nobody in the team then); a shorter wait applies to waiting leads from the change, a longer one postpones none', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const empty = await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('empty'), leadId: null, memberIds: [] });
    const team = await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('fallback'), leadId: null, memberIds: ['ben', 'cleo'] });
    const teamId = team._id.toString();
    await setFallback(admin, { teamId: empty._id.toString(), afterMinutes: 60 });
    await walkBacklogs(10);
    // Its wait runs out with nobody in the fallback team: it ends, the lead stays unassigned.
    const stranded = await createLead(admin, { source: 'CALL', name: 'Stranded' });
    await LeadModel.updateOne({ _id: stranded.id }, { $set: { assignBy: past() } });
    await assignUnroutedLeads(10);
    expect(await lead(stranded.id)).toMatchObject({ status: 'NEW', assigneeId: null, slaState: null });
    // Another waits its 60 minutes.
    const waiting = await createLead(admin, { source: 'CALL', name: 'Waiting' });
    const waitingSince = (await lead(waiting.id)).createdAt.getTime();
    expect((await lead(waiting.id)).assignBy!.getTime() - waitingSince).toBeGreaterThanOrEqual(minutes(60) - 100);

    // A team with people and 10 minutes: both wait 10 minutes from the change.
    await setFallback(admin, { teamId, afterMinutes: 10 });
    await walkBacklogs(10);
    const since = (await RoutingFallbackModel.findById(admin.tenantId).lean())!.since!.getTime();
    for (const id of [stranded.id, waiting.id]) expect(await lead(id)).toMatchObject({ status: 'NEW', slaState: 'UNASSIGNED', assignBy: new Date(since + minutes(10)) });
    // Back to 2 hours: nobody waits longer than before.
    await setFallback(admin, { teamId, afterMinutes: 120 });
    await walkBacklogs(10);
    for (const id of [stranded.id, waiting.id]) expect((await lead(id)).assignBy).toEqual(new Date(since + minutes(10)));
    // A lead taken in now waits its 120 minutes from its arrival.
    const later = await createLead(admin, { source: 'CALL', name: 'Later' });
    expect((await lead(later.id)).assignBy!.getTime() - (await lead(later.id)).createdAt.getTime()).toBeGreaterThanOrEqual(minutes(120) - 100);

    await LeadModel.updateMany({ _id: { $in: [stranded.id, waiting.id] } }, { $set: { assignBy: past() } });
    await Promise.all([assignUnroutedLeads(10), assignUnroutedLeads(10)]);
    for (const id of [stranded.id, waiting.id]) {
      expect((await lead(id)).assignments.map((a) => [a.to, a.teamId, a.method])).toEqual([['ben', teamId, 'FALLBACK']]);
    }
    // Removed: no walk; a later setting walks again (the lead taken in since still waits as it did).
    await setFallback(admin, { teamId: null });
    expect(await RoutingFallbackModel.findById(admin.tenantId).lean()).toMatchObject({ backlogPending: false, since: null });
    expect(await lead(later.id)).toMatchObject({ status: 'NEW', slaState: 'UNASSIGNED' });
  });
});

describe('routing fallback: a lead taken in while it is set', () => {
  it('read before the setting and inserted after the walk passed, the lead takes the setting\'s wait itself', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const team = await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('fallback'), leadId: 'head-1', memberIds: [] });
    await setFallback(admin, { teamId: team._id.toString(), afterMinutes: 30 });
    expect(await walkBacklogs(10)).toEqual([]);
    // The intake's first read of the fallback comes before the setting (none then); its insert after the walk.
    const findOne = jest.spyOn(RoutingFallbackModel, 'findOne').mockImplementationOnce(() => ({ lean: () => ({ exec: async () => null }) }) as never);
    try {
      const taken = await createLead(admin, { source: 'WEB_CHAT', name: 'In between' });
      expect(findOne).toHaveBeenCalledTimes(2);
      const stored = await lead(taken.id);
      expect(stored).toMatchObject({ status: 'NEW', assigneeId: null, slaState: 'UNASSIGNED' });
      expect(stored.assignBy!.getTime() - stored.createdAt.getTime()).toBeGreaterThanOrEqual(minutes(30) - 100);
      expect(stored.assignBy!.getTime() - stored.createdAt.getTime()).toBeLessThanOrEqual(minutes(30) + 100);
    } finally {
      findOne.mockRestore();
    }
  });
});

describe('routing fallback: escalation with nobody left', () => {
  it('a lead not accepted in time whose team has nobody left to escalate to goes to the fallback team\'s lead once, with LeadEscalated and LeadAssigned (FALLBACK); without a fallback it stays', async () => {
    const admin = testIdentity(undefined, ['admin']);
    // Anna alone, without a team lead: her leads have nobody to be escalated to.
    const solo = await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('solo'), leadId: null, memberIds: ['anna'] });
    const rule = dataOf(
      await call(admin, `mutation ($input: CreateRoutingRuleInput!) { createRoutingRule(input: $input) { id } }`, {
        input: { name: 'all to anna', teamId: solo._id.toString(), method: 'ROUND_ROBIN', slaMinutes: 5 },
      }),
    ).createRoutingRule;
    const expire = (id: string) => LeadModel.updateOne({ _id: id }, { $set: { acceptBy: past() } });

    // Without a fallback: the lead stays with Anna, its SLA cleared (as before).
    const kept = await createLead(admin, { source: 'EMAIL', name: 'Kept' });
    await expire(kept.id);
    await escalateDueLeads(10);
    expect(await lead(kept.id)).toMatchObject({ assigneeId: 'anna', slaState: null, escalatedAt: null });

    const fallbackTeam = await TeamModel.create({ tenantId: admin.tenantId, name: uniqueId('fallback'), leadId: 'head-f', memberIds: ['fiona'] });
    const fallbackTeamId = fallbackTeam._id.toString();
    await setFallback(admin, { teamId: fallbackTeamId, afterMinutes: 30 });
    const late = await createLead(admin, { source: 'EMAIL', name: 'Late' });
    expect(late).toMatchObject({ status: 'ASSIGNED', assigneeId: 'anna' });
    const acceptBy = past();
    await LeadModel.updateOne({ _id: late.id }, { $set: { acceptBy } });
    // Three polls at once (as three instances): one move.
    await Promise.all([escalateDueLeads(10), escalateDueLeads(10), escalateDueLeads(10)]);
    const after = await lead(late.id);
    expect(after).toMatchObject({ status: 'ASSIGNED', assigneeId: 'head-f', teamId: fallbackTeamId, ruleId: rule.id, slaState: null, escalatedAt: expect.any(Date) });
    expect(after.assignments.map((a) => [a.by, a.from, a.to, a.teamId, a.ruleId, a.method])).toEqual([
      ['routing', null, 'anna', solo._id.toString(), rule.id, 'ROUND_ROBIN'],
      ['escalation', 'anna', 'head-f', fallbackTeamId, rule.id, 'FALLBACK'],
    ]);
    expect(after.assignments[1]!.reason).toContain('nobody active left to escalate to');
    expect(await escalateDueLeads(10)).toBe(0);
    // The lead that stayed with Anna before the fallback was set is not moved by it (it was not unassigned).
    expect(await lead(kept.id)).toMatchObject({ assigneeId: 'anna' });

    // Its team deleted: nobody to escalate to there either; to the fallback team.
    const other = await createLead(admin, { source: 'EMAIL', name: 'Team gone' });
    await TeamModel.updateOne({ _id: solo._id }, { $set: { deleted: true } });
    await expire(other.id);
    await escalateDueLeads(10);
    expect((await lead(other.id)).assignments.map((a) => [a.from, a.to, a.method])).toEqual([
      [null, 'anna', 'ROUND_ROBIN'],
      ['anna', 'head-f', 'FALLBACK'],
    ]);

    const escalated = await settledEvents(admin.tenantId, 'LeadEscalated', 2);
    expect(escalated.map((event) => event.data).sort((a: any, b: any) => a.leadId.localeCompare(b.leadId))).toEqual(
      [
        { leadId: late.id, fromAssigneeId: 'anna', toAssigneeId: 'head-f', teamId: fallbackTeamId, ruleId: rule.id, slaMinutes: 5, acceptBy: acceptBy.toISOString(), escalatedAt: expect.any(String) },
        { leadId: other.id, fromAssigneeId: 'anna', toAssigneeId: 'head-f', teamId: fallbackTeamId, ruleId: rule.id, slaMinutes: 5, acceptBy: expect.any(String), escalatedAt: expect.any(String) },
      ].sort((a, b) => a.leadId.localeCompare(b.leadId)),
    );
    const fellThrough = (await settledEvents(admin.tenantId, 'LeadAssigned', 5)).filter((event) => (event.data as { method: string }).method === 'FALLBACK');
    expect(fellThrough.map((event) => event.data)).toEqual(
      expect.arrayContaining([
        { leadId: late.id, assigneeId: 'head-f', previousAssigneeId: 'anna', teamId: fallbackTeamId, ruleId: rule.id, method: 'FALLBACK', reason: expect.stringContaining('not accepted within 5 minutes'), acceptBy: null, assignedAt: expect.any(String) },
      ]),
    );
    expect(fellThrough).toHaveLength(2);
    // Each carried in one write with its LeadEscalated: the same correlation.
    const pairOf = (leadId: string) => [...escalated, ...fellThrough].filter((event) => event.aggregateId === leadId).map((event) => event.correlationId);
    expect(new Set(pairOf(late.id)).size).toBe(1);
  });
});
