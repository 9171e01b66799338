import { ActivityCompleted, ActivityCreated, ActivityUpdated, createEvent, DealCreated, DealLost, DealReopened, DealStageChanged, DealUpdated, DealWon, type Envelope } from '@crm/events';
import { createTestProducer } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import type { Identity } from '@crm/auth';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@crm/service-kit';
import { Types } from 'mongoose';
import { CompanyModel } from '../src/modules/company/company.model';
import { FieldChangeModel, type FieldChangeDoc } from '../src/modules/history/field-change.model';
import { timelineConsumer } from '../src/modules/timeline/timeline.consumer';
import { TimelineEntryModel } from '../src/modules/timeline/timeline-entry.model';
import { startContacts } from '../src/service';

const service = serviceUnderTest('contacts', startContacts);
// The shared broker's partitions also carry other test files' events (CI runs workspaces in
// parallel), some retried with backoff by this consumer before they are parked: allow for that.
const EVENT_WAIT_MS = 120_000;
// The first waits include the consumers joining their groups on a busy shared broker.
jest.setTimeout(3 * EVENT_WAIT_MS);
const producer = createTestProducer();
afterAll(() => producer.close());

const call = (identity: Identity, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);

const ENTRY = `id kind at actorId summary
  ... on FieldChangeEntry { field from to reason }
  ... on RecordEntry { mergedIds }
  ... on ContactEntry { name contact { id fullName } }
  ... on DealEntry { title fromStage toStage deal { id } }
  ... on ActivityEntry { subject activityKind status activity { id } }`;
const COMPANY_TIMELINE = `query ($id: ID!, $first: Int, $after: String) {
  company(id: $id) { timeline(first: $first, after: $after) { edges { cursor node { ${ENTRY} } } pageInfo { hasNextPage hasPreviousPage endCursor } } }
}`;
const CONTACT_TIMELINE = `query ($id: ID!, $first: Int) { contact(id: $id) { timeline(first: $first) { edges { node { ${ENTRY} } } } } }`;

const companyTimeline = async (identity: Identity, id: string, first?: number, after?: string) =>
  dataOf(await call(identity, COMPANY_TIMELINE, { id, first, after })).company?.timeline;

/**
 * The timeline without activities the test did not publish: any activities service on the shared
 * broker (another test's stack) answers a deal's stage change with a stage task, whose
 * ActivityCreated lands on this company's timeline too.
 */
const ownLines = (timeline: any, activityIds: string[] = []) => ({
  ...timeline,
  edges: timeline.edges.filter((edge: any) => !edge.node.activity || activityIds.includes(edge.node.activity.id)),
});

async function createCompany(identity: Identity, name: string): Promise<string> {
  return dataOf(await call(identity, `mutation ($name: String!) { createCompany(input: { name: $name }) { id } }`, { name })).createCompany.id;
}

/** A time `minutes` from now: events of the test get times after the records' creation. */
const later = (minutes: number) => new Date(Date.now() + minutes * 60_000);
const newId = () => new Types.ObjectId().toString();

/** As the history writer (modules/history, C1) records a change from CompanyUpdated/ContactUpdated. */
const recordChange = (identity: Identity, entity: 'Company' | 'Contact', entityId: string, change: Partial<FieldChangeDoc> & { field: string; at: Date }) =>
  FieldChangeModel.create({ _id: `${randomEventId()}:0`, tenantId: identity.tenantId, entity, entityId, from: null, to: null, actorId: identity.userId, ...change });
const randomEventId = () => randomUUID();

const stage = (name: string, position: number) => ({ id: newId(), name, position });
const dealCreated = (identity: Identity, dealId: string, companyId: string, at: Date) =>
  createEvent(DealCreated, { tenantId: identity.tenantId, aggregateId: dealId, actorId: identity.userId, occurredAt: at }, {
    dealId, title: 'Office cleaning 2027', pipelineId: newId(), ownerId: identity.userId, stage: stage('Prospect', 0), companyId, amount: 48000, currency: 'EUR', status: 'OPEN',
  });
const stageChanged = (identity: Identity, dealId: string, at: Date) =>
  createEvent(DealStageChanged, { tenantId: identity.tenantId, aggregateId: dealId, actorId: identity.userId, occurredAt: at }, {
    dealId, title: 'Office cleaning 2027', pipelineId: newId(), ownerId: identity.userId, fromStage: stage('Prospect', 0), toStage: stage('Meeting agreed', 1), movedBy: identity.userId,
  });
const activityCreated = (identity: Identity, activityId: string, at: Date, link: { dealId?: string; companyId?: string }) =>
  createEvent(ActivityCreated, { tenantId: identity.tenantId, aggregateId: activityId, actorId: identity.userId, occurredAt: at }, {
    activityId, kind: 'CALL', subject: 'Introductory call', status: 'DONE', dueAt: null, assigneeId: identity.userId, dealId: link.dealId ?? null, companyId: link.companyId ?? null,
  });

/** Runs the consumer's handler for an event directly, as a redelivery that escaped the runner's de-duplication would. */
async function handleAgain(event: Envelope<any>) {
  const subscription = timelineConsumer.handlers.find((handler) => handler.definition.type === event.type)!;
  await subscription.handle(event.data, event, { logger: createLogger('timeline-test', 'warn'), consumer: timelineConsumer.groupId });
}

describe('Company.timeline and Contact.timeline', () => {
  it('shows field changes, creation, contacts, deals and activities newest first', async () => {
    const alice = testIdentity(undefined, ['manager']);
    const companyId = await createCompany(alice, 'Cleanwell Facilities');
    const contactId = dataOf(
      await call(alice, `mutation ($c: ID) { createContact(input: { firstName: "Maria", lastName: "Ortega", companyId: $c, position: "COO" }) { id } }`, { c: companyId }),
    ).createContact.id;
    await recordChange(alice, 'Company', companyId, { field: 'industry', from: null, to: 'Facility services', at: later(1) });
    const dealId = newId();
    const activityId = newId();
    const direct = newId();
    const moved = stageChanged(alice, dealId, later(3));
    await producer.send(dealCreated(alice, dealId, companyId, later(2)), moved);
    const completed = createEvent(ActivityCompleted, { tenantId: alice.tenantId, aggregateId: activityId, actorId: alice.userId, occurredAt: later(4.5) }, {
      activityId, kind: 'CALL', subject: 'Introductory call', assigneeId: alice.userId, completedBy: alice.userId, dealId, companyId: null,
    });
    await producer.send(activityCreated(alice, activityId, later(4), { dealId }), completed, activityCreated(alice, direct, later(5), { companyId }));
    await recordChange(alice, 'Company', companyId, { field: 'tags', from: [], to: ['key-account'], at: later(6) });

    const timeline = await waitFor(async () => {
      const seen = ownLines(await companyTimeline(alice, companyId), [activityId, direct]);
      return seen.edges.length === 9 ? seen : undefined;
    }, { what: 'the company timeline to hold every entry', timeoutMs: EVENT_WAIT_MS });
    expect(timeline.edges.map((edge: any) => [edge.node.kind, edge.node.summary])).toEqual([
      ['FIELD_CHANGED', 'tags changed from [] to ["key-account"]'],
      ['ACTIVITY_CREATED', 'Call done: Introductory call'],
      ['ACTIVITY_COMPLETED', 'Call done: Introductory call'],
      ['ACTIVITY_CREATED', 'Call done: Introductory call'],
      ['DEAL_STAGE_CHANGED', 'Deal "Office cleaning 2027" moved from Prospect to Meeting agreed'],
      ['DEAL_CREATED', 'Deal "Office cleaning 2027" opened in stage Prospect (48000 EUR)'],
      ['FIELD_CHANGED', 'industry changed from empty to "Facility services"'],
      ['CONTACT_ADDED', 'Contact "Maria Ortega" added (COO)'],
      ['CREATED', 'Company "Cleanwell Facilities" created'],
    ]);
    const nodes = timeline.edges.map((edge: any) => edge.node);
    expect(nodes[0]).toMatchObject({ field: 'tags', from: [], to: ['key-account'], reason: null, actorId: alice.userId });
    expect(nodes[1]).toMatchObject({ activity: { id: direct }, subject: 'Introductory call', activityKind: 'CALL', status: 'DONE' });
    expect(nodes[2]).toMatchObject({ activity: { id: activityId }, status: 'DONE', at: completed.occurredAt });
    expect(nodes[3]).toMatchObject({ activity: { id: activityId } });
    expect(nodes[4]).toMatchObject({ deal: { id: dealId }, title: 'Office cleaning 2027', fromStage: 'Prospect', toStage: 'Meeting agreed', actorId: alice.userId });
    expect(nodes[5]).toMatchObject({ deal: { id: dealId }, fromStage: null, toStage: 'Prospect' });
    expect(nodes[7]).toMatchObject({ name: 'Maria Ortega', contact: { id: contactId, fullName: 'Maria Ortega' } });
    expect(nodes[8]).toMatchObject({ mergedIds: [], actorId: alice.userId });
    expect(nodes[4].at).toBe(moved.occurredAt);
    expect(timeline.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });

    // The contact's own timeline: its creation and its own field changes, not the company's.
    await recordChange(alice, 'Contact', contactId, { field: 'position', from: 'COO', to: 'CEO', at: later(7) });
    const contact = await waitFor(async () => {
      const seen = dataOf(await call(alice, CONTACT_TIMELINE, { id: contactId })).contact.timeline;
      return seen.edges.length === 2 ? seen : undefined;
    }, { what: 'the contact timeline', timeoutMs: EVENT_WAIT_MS });
    expect(contact.edges.map((edge: any) => edge.node.summary)).toEqual(['position changed from "COO" to "CEO"', 'Contact "Maria Ortega" created']);
  });

  it("shows a deal's win, its loss after reopening, and the reopening", async () => {
    const alice = testIdentity(undefined, ['manager']);
    const companyId = await createCompany(alice, 'Northwind Traders');
    const dealId = newId();
    const meta = (minutes: number) => ({ tenantId: alice.tenantId, aggregateId: dealId, actorId: alice.userId, occurredAt: later(minutes) });
    const deal = { dealId, title: 'Office cleaning 2027', pipelineId: newId(), ownerId: alice.userId, companyId, amount: 48000, currency: 'EUR' };
    const won = { ...stage('Contract signed', 8), kind: 'WON' as const };
    const lost = { ...stage('Closed unrealised', 9), kind: 'LOST' as const };
    await producer.send(
      dealCreated(alice, dealId, companyId, later(1)),
      createEvent(DealWon, meta(2), { ...deal, stage: won, closedAt: later(2).toISOString(), wonBy: alice.userId }),
      createEvent(DealReopened, meta(3), { ...deal, previousStatus: 'WON', fromStage: won, toStage: stage('Proposal discussed', 5), reopenedBy: alice.userId }),
      createEvent(DealLost, meta(4), { ...deal, stage: lost, closedAt: later(4).toISOString(), lostReason: 'Price too high', lostBy: alice.userId }),
    );
    const timeline = await waitFor(async () => {
      const seen = ownLines(await companyTimeline(alice, companyId));
      return seen.edges.length === 5 ? seen : undefined;
    }, { what: "the deal's entries on the company timeline", timeoutMs: EVENT_WAIT_MS });
    expect(timeline.edges.map((edge: any) => [edge.node.kind, edge.node.summary, edge.node.deal?.id ?? null])).toEqual([
      ['DEAL_LOST', 'Deal "Office cleaning 2027" lost: Price too high', dealId],
      ['DEAL_REOPENED', 'Deal "Office cleaning 2027" reopened (was won) in stage Proposal discussed', dealId],
      ['DEAL_WON', 'Deal "Office cleaning 2027" won (48000 EUR)', dealId],
      ['DEAL_CREATED', 'Deal "Office cleaning 2027" opened in stage Prospect (48000 EUR)', dealId],
      ['CREATED', 'Company "Northwind Traders" created', null],
    ]);
  });

  it('takes an activity whose deal is not known yet, and files it under the company once DealCreated comes', async () => {
    const alice = testIdentity(undefined, ['manager']);
    const companyId = await createCompany(alice, 'Late Deal GmbH');
    await waitFor(async () => (await companyTimeline(alice, companyId)).edges.length === 1, { what: 'the creation entry', timeoutMs: EVENT_WAIT_MS });
    const dealId = newId();
    const activity = activityCreated(alice, newId(), later(2), { dealId });
    await producer.send(activity);
    await waitFor(() => TimelineEntryModel.exists({ tenantId: alice.tenantId, entity: 'Deal', entityId: dealId }), { what: 'the activity on its deal', timeoutMs: EVENT_WAIT_MS });
    expect((await companyTimeline(alice, companyId)).edges).toHaveLength(1);

    await producer.send(dealCreated(alice, dealId, companyId, later(1)));
    const timeline = await waitFor(async () => {
      const seen = await companyTimeline(alice, companyId);
      return seen.edges.length === 3 ? seen : undefined;
    }, { what: 'the deal and its earlier activity on the company timeline', timeoutMs: EVENT_WAIT_MS });
    expect(timeline.edges.map((edge: any) => edge.node.kind)).toEqual(['ACTIVITY_CREATED', 'DEAL_CREATED', 'CREATED']);
  });

  it('writes one entry per event and record however often the event comes', async () => {
    const alice = testIdentity(undefined, ['manager']);
    const companyId = await createCompany(alice, 'Twice Ltd');
    const dealId = newId();
    const created = dealCreated(alice, dealId, companyId, later(1));
    // The same event twice through the broker, then a later one of the same deal (same partition, after both).
    await producer.send(created, created, stageChanged(alice, dealId, later(2)));
    await waitFor(async () => ownLines(await companyTimeline(alice, companyId)).edges.length === 3, { what: 'the stage change on the timeline', timeoutMs: EVENT_WAIT_MS });
    // And twice more straight into the handler, as a redelivery the runner did not recognise.
    await handleAgain(created);
    await handleAgain(created);
    const lines = await TimelineEntryModel.find({ tenantId: alice.tenantId, eventId: created.id }, { entity: 1, entityId: 1 }).lean();
    expect(lines.map((line) => `${line.entity}:${line.entityId}`).sort()).toEqual([`Company:${companyId}`, `Deal:${dealId}`]);
    expect(ownLines(await companyTimeline(alice, companyId)).edges.map((edge: any) => edge.node.kind)).toEqual(['DEAL_STAGE_CHANGED', 'DEAL_CREATED', 'CREATED']);
  });

  it('pages through a long timeline without gaps or repeats, ties in time included', async () => {
    const alice = testIdentity(undefined, ['manager']);
    const companyId = await createCompany(alice, 'Many Things AG');
    // 30 field changes in 10 instants (three per instant, as one update of three fields), and 12 activities, 4 of them at those instants.
    const instants = Array.from({ length: 10 }, (_, i) => later(i + 1));
    for (const [i, at] of instants.entries()) {
      const eventId = randomEventId();
      await FieldChangeModel.insertMany(
        ['industry', 'website', 'teamId'].map((field, index) => ({ _id: `${eventId}:${index}`, tenantId: alice.tenantId, entity: 'Company', entityId: companyId, field, from: i, to: i + 1, actorId: alice.userId, at })),
      );
    }
    const activities = Array.from({ length: 12 }, (_, i) => activityCreated(alice, newId(), i < 4 ? instants[i * 2]! : later(20 + i), { companyId }));
    await producer.send(...activities);
    const all = await waitFor(async () => {
      const seen = await companyTimeline(alice, companyId, 100);
      return seen.edges.length === 43 ? seen : undefined;
    }, { what: 'all 43 entries', timeoutMs: EVENT_WAIT_MS });
    const everyId = all.edges.map((edge: any) => edge.node.id);
    expect(new Set(everyId).size).toBe(43);
    const times = all.edges.map((edge: any) => Date.parse(edge.node.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    for (const size of [1, 4, 7]) {
      const paged: string[] = [];
      let after: string | undefined;
      for (let pages = 0; ; pages += 1) {
        const page = await companyTimeline(alice, companyId, size, after);
        expect(page.edges.length).toBeLessThanOrEqual(size);
        paged.push(...page.edges.map((edge: any) => edge.node.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
        expect(pages).toBeLessThan(43);
      }
      expect(paged).toEqual(everyId);
    }
  });

  it("includes the timelines of records merged into this one", async () => {
    const alice = testIdentity(undefined, ['manager']);
    const primary = await createCompany(alice, 'Primary Corp');
    const duplicate = await createCompany(alice, 'Primary Corporation');
    await recordChange(alice, 'Company', duplicate, { field: 'taxId', from: null, to: 'DE123', at: later(1) });
    await waitFor(async () => (await companyTimeline(alice, duplicate)).edges.length === 2, { what: 'the duplicate timeline', timeoutMs: EVENT_WAIT_MS });
    // As a merge leaves it (modules/merge): the primary lists the merged ids.
    await CompanyModel.updateOne({ _id: primary, tenantId: alice.tenantId }, { $set: { mergedIds: [duplicate] } });
    const timeline = await companyTimeline(alice, primary);
    expect(timeline.edges.map((edge: any) => edge.node.summary).sort()).toEqual([
      'Company "Primary Corp" created',
      'Company "Primary Corporation" created',
      'taxId changed from empty to "DE123"',
    ]);
  });

  it("keeps tenants apart and refuses bad arguments", async () => {
    const alice = testIdentity(undefined, ['manager']);
    const mallory = testIdentity(undefined, ['admin']);
    const companyId = await createCompany(alice, 'Private Ltd');
    await waitFor(async () => (await companyTimeline(alice, companyId)).edges.length === 1, { what: 'the creation entry', timeoutMs: EVENT_WAIT_MS });
    // Another tenant's company is not found, through a query or an entity reference.
    expect(dataOf(await call(mallory, COMPANY_TIMELINE, { id: companyId })).company).toBeNull();
    const entities = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Company { timeline { edges { node { id } } } } } }`;
    expect(dataOf(await call(mallory, entities, { r: [{ __typename: 'Company', id: companyId }] }))._entities).toEqual([null]);
    // Another tenant's events naming this company never reach its timeline.
    const forged = dealCreated(mallory, newId(), companyId, later(1));
    await producer.send(forged);
    await waitFor(() => TimelineEntryModel.exists({ tenantId: mallory.tenantId, eventId: forged.id, entity: 'Company' }), { what: 'the other tenant\'s entry', timeoutMs: EVENT_WAIT_MS });
    expect((await companyTimeline(alice, companyId)).edges.map((edge: any) => edge.node.kind)).toEqual(['CREATED']);

    for (const args of [{ first: 101 }, { first: -1 }, { after: 'garbage' }, { after: Buffer.from('cursor:[1,"x","y"]').toString('base64url') }, { after: Buffer.from('cursor:{').toString('base64url') }]) {
      const response = await call(alice, COMPANY_TIMELINE, { id: companyId, ...args });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
    }
  });

  it('refuses a cursor whose time no date can hold with BAD_USER_INPUT on after; the last date a Date holds still pages', async () => {
    const alice = testIdentity(undefined, ['manager']);
    const companyId = await createCompany(alice, 'Far Future GmbH');
    const change = await recordChange(alice, 'Company', companyId, { field: 'industry', from: null, to: 'Retail', at: later(1) });
    const cursor = (at: number) => Buffer.from(`cursor:${JSON.stringify([at, 'f', 'zzz'])}`).toString('base64url');
    for (const at of [8_700_000_000_000_000, 8.64e15 + 1, Number.MAX_SAFE_INTEGER]) {
      const response = await call(alice, COMPANY_TIMELINE, { id: companyId, after: cursor(at) });
      expect([at, errorCodes(response), response.errors?.[0]?.extensions?.field]).toEqual([at, ['BAD_USER_INPUT'], 'after']);
    }
    const latest = await call(alice, COMPANY_TIMELINE, { id: companyId, after: cursor(8.64e15) });
    expect(errorCodes(latest)).toEqual([]);
    expect(latest.data!.company.timeline.edges.map((edge: any) => edge.node.id)).toContain(change._id);
  });
});

describe('timeline rights', () => {
  it("shows only the lines of deals and activities the reader may read, follows a new owner or assignee, and withholds denied amounts and field values", async () => {
    const admin = testIdentity(undefined, ['admin']);
    const auditor = testIdentity(admin.tenantId, ['auditor']);
    const other = testIdentity(admin.tenantId, ['manager']);
    // An auditor reads every company, only their own deals and activities, and no potential nor deal amount.
    const rights = [
      { object: 'COMPANY', action: 'READ', scope: 'ALL' },
      { object: 'DEAL', action: 'READ', scope: 'OWN' },
      { object: 'ACTIVITY', action: 'READ', scope: 'OWN' },
    ];
    const SET = `mutation ($rights: [RightInput!]!, $d: [String!]!) { setRolePermissions(role: "auditor", rights: $rights, deniedFields: $d) { revision } }`;
    dataOf(await call(admin, SET, { rights, d: ['Company.potential', 'Deal.amount'] }));
    const companyId = await createCompany(admin, 'Rights Timeline GmbH');
    dataOf(await call(admin, `mutation ($id: ID!) { updateCompany(id: $id, input: { potential: { amount: 90000, currency: "EUR" } }) { id } }`, { id: companyId }));
    const [mine, theirs, theirActivity] = [newId(), newId(), newId()];
    await producer.send(dealCreated(auditor, mine, companyId, later(1)), dealCreated(other, theirs, companyId, later(2)));
    await producer.send(activityCreated(other, theirActivity, later(3), { companyId }));

    const lines = (timeline: any) => timeline.edges.map((edge: any) => [edge.node.kind, edge.node.deal?.id ?? edge.node.activity?.id ?? edge.node.field ?? null, edge.node.summary]);
    const all = await waitFor(async () => {
      const seen = ownLines(await companyTimeline(admin, companyId), [theirActivity]);
      return seen.edges.length === 5 ? seen : undefined;
    }, { what: 'the three lines and the potential change', timeoutMs: EVENT_WAIT_MS });
    expect(lines(all)).toEqual([
      ['ACTIVITY_CREATED', theirActivity, 'Call done: Introductory call'],
      ['DEAL_CREATED', theirs, 'Deal "Office cleaning 2027" opened in stage Prospect (48000 EUR)'],
      ['DEAL_CREATED', mine, 'Deal "Office cleaning 2027" opened in stage Prospect (48000 EUR)'],
      ['FIELD_CHANGED', 'potential', expect.stringContaining('90000')],
      ['CREATED', null, 'Company "Rights Timeline GmbH" created'],
    ]);

    const asAuditor = () => call(auditor, COMPANY_TIMELINE, { id: companyId });
    const seen = await waitFor(async () => {
      const response = await asAuditor();
      return response.data?.company?.timeline.edges.length === 3 ? response : undefined;
    }, { what: 'contacts to apply the auditor\'s rights' });
    expect(lines(seen.data!.company.timeline)).toEqual([
      ['DEAL_CREATED', mine, 'Deal "Office cleaning 2027" opened in stage Prospect'],
      ['FIELD_CHANGED', 'potential', 'potential changed'],
      ['CREATED', null, 'Company "Rights Timeline GmbH" created'],
    ]);
    const potential = seen.data!.company.timeline.edges[1].node;
    expect([potential.from, potential.to]).toEqual([null, null]);
    expect(seen.errors!.map((error: any) => [error.path.slice(-2).join('.'), error.extensions.code])).toEqual([
      ['node.from', 'FORBIDDEN'],
      ['node.to', 'FORBIDDEN'],
    ]);

    // The other manager's deal is given to the auditor: its line now shows to them.
    await producer.send(
      createEvent(DealUpdated, { tenantId: admin.tenantId, aggregateId: theirs, actorId: admin.userId, occurredAt: later(4) }, {
        dealId: theirs, title: 'Office cleaning 2027', pipelineId: newId(), ownerId: auditor.userId, changes: [{ field: 'ownerId', from: other.userId, to: auditor.userId }], updatedBy: admin.userId,
      }),
    );
    // And so is the other manager's activity, while still planned.
    await producer.send(
      createEvent(ActivityUpdated, { tenantId: admin.tenantId, aggregateId: theirActivity, actorId: admin.userId, occurredAt: later(5) }, {
        activityId: theirActivity, kind: 'CALL', subject: 'Introductory call', assigneeId: auditor.userId, dueAt: null, dealId: null, companyId,
        changes: [{ field: 'assigneeId', from: other.userId, to: auditor.userId }], updatedBy: admin.userId,
      }),
    );
    const after = await waitFor(async () => {
      const timeline = dataOf(await call(auditor, `query ($id: ID!) { company(id: $id) { timeline { edges { node { kind ... on DealEntry { deal { id } } ... on ActivityEntry { activity { id } } } } } } }`, { id: companyId })).company.timeline;
      return timeline.edges.length === 5 ? timeline : undefined;
    }, { what: 'the reassigned deal\'s and activity\'s lines', timeoutMs: EVENT_WAIT_MS });
    expect(after.edges.map((edge: any) => edge.node.deal?.id ?? edge.node.activity?.id ?? edge.node.kind)).toEqual([theirActivity, theirs, mine, 'FIELD_CHANGED', 'CREATED']);
  });
});
