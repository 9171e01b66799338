// Segments (saved company filters) and assignSegment: batches, events, skips, resume, tenants.
import { parseEvent, topics } from '@crm/events';
import { readTopics, type TopicReader } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { Types } from 'mongoose';
import { policyKey, PolicyTeamModel } from '@crm/policy';
import { CompanyModel } from '../src/modules/company/company.model';
import { ASSIGN_BATCH } from '../src/modules/segment/assign-segment';
import { SegmentAssignmentModel } from '../src/modules/segment/segment-assignment.model';
import { startContacts } from '../src/service';

const SEGMENT_FIELDS = `id name entity filter count createdBy companies(first: 100, orderBy: [{field: NAME}]) { totalCount edges { node { name ownerId } } }`;
const CREATE = `mutation ($input: CreateSegmentInput!) { createSegment(input: $input) { ${SEGMENT_FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateSegmentInput!) { updateSegment(id: $id, input: $input) { ${SEGMENT_FIELDS} } }`;
const DELETE = `mutation ($id: ID!) { deleteSegment(id: $id) }`;
const GET = `query ($id: ID!) { segment(id: $id) { ${SEGMENT_FIELDS} } }`;
const LIST = `query ($first: Int, $after: String) { segments(first: $first, after: $after) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }`;
const ASSIGN = `mutation ($segmentId: ID!, $ownerId: ID!) {
  assignSegment(segmentId: $segmentId, ownerId: $ownerId) { id segmentId ownerId status matched assigned skipped startedBy finishedAt segment { name } }
}`;

const service = serviceUnderTest('contacts', startContacts);
// An admin: the segments' companies belong to others (a head of sales sees their teams' only, rights.e2e).
const head = testIdentity(undefined, ['admin']);
const call = (query: string, variables: object, identity = head) => subgraphRequest(service.url, identity, query, variables);

const northVip = { and: [{ field: 'TERRITORY_ID', op: 'EQ', value: 'north' }, { field: 'TAGS', op: 'EQ', value: 'vip' }] };
const companies = (identity: typeof head, rows: Record<string, unknown>[]) =>
  CompanyModel.insertMany(rows.map((row) => ({ tenantId: identity.tenantId, nameKey: String(row.name).toLowerCase(), ...row })));

let reader: TopicReader;
beforeAll(async () => {
  reader = await readTopics([topics.company]);
});
afterAll(() => reader.close());

/** The CompanyAssigned events of one segment, once `count` of them arrived. */
async function assignedEvents(segmentId: string, count: number) {
  const of = () => reader.messages.map((m) => m.event).filter((e) => e?.type === 'CompanyAssigned' && (e.data as any).segmentId === segmentId);
  await reader.waitFor(() => of().length >= count, `${count} CompanyAssigned of segment ${segmentId}`);
  return of().map((event) => parseEvent(event!));
}

describe('segments', () => {
  it('are created, read, listed, updated and deleted; count and companies follow the filter', async () => {
    await companies(head, [
      { name: 'North VIP One', territoryId: 'north', tags: ['vip'] },
      { name: 'North VIP Two', territoryId: 'north', tags: ['vip', 'x'] },
      { name: 'North Plain', territoryId: 'north', tags: [] },
      { name: 'South VIP', territoryId: 'south', tags: ['vip'] },
    ]);
    const created = dataOf(await call(CREATE, { input: { name: '  North VIPs ', filter: northVip } })).createSegment;
    expect(created).toMatchObject({ name: 'North VIPs', entity: 'COMPANY', count: 2, createdBy: head.userId, filter: northVip });
    expect(created.companies.edges.map((e: any) => e.node.name)).toEqual(['North VIP One', 'North VIP Two']);
    expect(dataOf(await call(GET, { id: created.id })).segment).toEqual(created);

    const updated = dataOf(await call(UPDATE, { id: created.id, input: { filter: { field: 'TAGS', op: 'EQ', value: 'vip' } } })).updateSegment;
    expect(updated).toMatchObject({ name: 'North VIPs', count: 3 });
    expect(dataOf(await call(UPDATE, { id: created.id, input: { name: 'VIPs' } })).updateSegment).toMatchObject({ name: 'VIPs', count: 3 });

    for (const name of ['Second', 'Third']) dataOf(await call(CREATE, { input: { name, filter: { field: 'INDUSTRY', op: 'IS_NULL' } } }));
    const first = dataOf(await call(LIST, { first: 2 })).segments;
    expect(first.totalCount).toBe(3);
    expect(first.edges.map((e: any) => e.node.name)).toEqual(['Third', 'Second']);
    expect(dataOf(await call(LIST, { first: 2, after: first.pageInfo.endCursor })).segments.edges.map((e: any) => e.node.name)).toEqual(['VIPs']);

    expect(dataOf(await call(DELETE, { id: created.id })).deleteSegment).toBe(created.id);
    expect(dataOf(await call(GET, { id: created.id })).segment).toBeNull();
    expect(errorCodes(await call(DELETE, { id: created.id }))).toEqual(['NOT_FOUND']);
  });

  it('refuses bad filters and names, and a name taken in the tenant', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const bad = await call(CREATE, { input: { name: 'Bad', filter: { field: 'POTENTIAL', op: 'GT', value: 'much' } } }, tenant);
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors?.[0]?.extensions?.field).toBe('input.filter.value');
    expect(errorCodes(await call(CREATE, { input: { name: ' ', filter: northVip } }, tenant))).toEqual(['BAD_USER_INPUT']);
    const { createSegment } = dataOf(await call(CREATE, { input: { name: 'Taken', filter: northVip } }, tenant));
    const again = await call(CREATE, { input: { name: 'Taken', filter: northVip } }, tenant);
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    expect(again.errors?.[0]?.extensions?.existingId).toBe(createSegment.id);
    // The same name in another tenant is fine.
    dataOf(await call(CREATE, { input: { name: 'Taken', filter: northVip } }));
    expect(errorCodes(await call(UPDATE, { id: createSegment.id, input: { filter: { and: [] } } }, tenant))).toEqual(['BAD_USER_INPUT']);
    expect(dataOf(await call(GET, { id: createSegment.id }, tenant)).segment.filter).toEqual(northVip);
  });

  it("never reaches another tenant's segment", async () => {
    const { createSegment } = dataOf(await call(CREATE, { input: { name: 'Mine', filter: northVip } }));
    const mallory = testIdentity(undefined, ['admin']);
    expect(dataOf(await call(GET, { id: createSegment.id }, mallory)).segment).toBeNull();
    expect(errorCodes(await call(UPDATE, { id: createSegment.id, input: { name: 'Stolen' } }, mallory))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(DELETE, { id: createSegment.id }, mallory))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(ASSIGN, { segmentId: createSegment.id, ownerId: 'mallory' }, mallory))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(GET, { id: 'nope' }, mallory))).toEqual(['BAD_USER_INPUT']);
    expect(dataOf(await call(GET, { id: createSegment.id })).segment.name).toBe('Mine');
  });
});

describe('assignSegment', () => {
  it('gives every matching company to the owner in batches, one CompanyAssigned each, skipping those it has', async () => {
    // An admin: the companies belong to people of no team (a head of sales assigns their teams' only, below).
    const tenant = testIdentity(undefined, ['admin']);
    // Two batches: the walk crosses batch boundaries.
    const total = ASSIGN_BATCH + 30;
    await companies(tenant, [
      ...Array.from({ length: total }, (_, i) => ({ name: `Target ${String(i).padStart(3, '0')}`, industry: 'Retail', ownerId: i < 10 ? 'anna' : `user-${i % 4}` })),
      { name: 'Other industry', industry: 'Food', ownerId: 'bob' },
    ]);
    const { createSegment: segment } = dataOf(await call(CREATE, { input: { name: 'Retail', filter: { field: 'INDUSTRY', op: 'EQ', value: 'Retail' } } }, tenant));
    const { assignSegment: job } = dataOf(await call(ASSIGN, { segmentId: segment.id, ownerId: 'anna' }, tenant));
    expect(job).toMatchObject({ segmentId: segment.id, ownerId: 'anna', status: 'DONE', matched: total, assigned: total - 10, skipped: 10, startedBy: tenant.userId, segment: { name: 'Retail' } });
    expect(job.finishedAt).not.toBeNull();
    expect(await CompanyModel.countDocuments({ tenantId: tenant.tenantId, ownerId: 'anna' })).toBe(total);
    expect((await CompanyModel.findOne({ tenantId: tenant.tenantId, name: 'Other industry' }).lean())!.ownerId).toBe('bob');

    const events = await assignedEvents(segment.id, total - 10);
    expect(events).toHaveLength(total - 10);
    expect(new Set(events.map((e) => e.aggregateId)).size).toBe(total - 10);
    const sample = await CompanyModel.findOne({ tenantId: tenant.tenantId, name: 'Target 011' }).lean();
    expect(events.find((e) => e.aggregateId === sample!._id.toString())).toMatchObject({
      type: 'CompanyAssigned', tenantId: tenant.tenantId, actorId: tenant.userId,
      data: { companyId: sample!._id.toString(), ownerId: 'anna', previousOwnerId: 'user-3', segmentId: segment.id },
    });

    // Again: nothing left to do, no new event.
    const { assignSegment: again } = dataOf(await call(ASSIGN, { segmentId: segment.id, ownerId: 'anna' }, tenant));
    expect(again).toMatchObject({ status: 'DONE', matched: total, assigned: 0, skipped: total });
    expect(again.id).not.toBe(job.id);
    expect(dataOf(await call(`query ($id: ID!) { segmentAssignment(id: $id) { id assigned } }`, { id: job.id }, tenant)).segmentAssignment).toEqual({ id: job.id, assigned: total - 10 });
    // A bound, not a timing: one write per company, slow when the shared machine is busy.
  }, 180_000);

  it('resumes a run cut short: the batch in progress counts right and no company gets a second event', async () => {
    const tenant = testIdentity(undefined, ['admin']);
    const rows = await companies(tenant, Array.from({ length: 6 }, (_, i) => ({ name: `Crash ${i}`, tags: ['crash'], ownerId: `old-${i}` })));
    const { createSegment: segment } = dataOf(await call(CREATE, { input: { name: 'Crash', filter: { field: 'TAGS', op: 'EQ', value: 'crash' } } }, tenant));
    const ids = rows.map((row) => row._id).sort((a, b) => a.toString().localeCompare(b.toString()));
    // As a crash leaves it: the first two companies done, the next two pending with the first of them
    // already written, the lease run out.
    await CompanyModel.updateOne({ _id: ids[2], tenantId: tenant.tenantId }, { $set: { ownerId: 'carla' } });
    const crashed = await SegmentAssignmentModel.create({
      tenantId: tenant.tenantId, segmentId: new Types.ObjectId(segment.id), ownerId: 'carla', filter: segment.filter, status: 'RUNNING',
      matched: 2, assigned: 2, skipped: 0, lastId: ids[1],
      pending: [2, 3].map((i) => ({ companyId: ids[i], previousOwnerId: rows.find((r) => r._id.equals(ids[i]!))!.ownerId })),
      leaseUntil: new Date(Date.now() - 1000), startedBy: tenant.userId,
    });
    for (const i of [0, 1]) await CompanyModel.updateOne({ _id: ids[i], tenantId: tenant.tenantId }, { $set: { ownerId: 'carla' } });

    const { assignSegment: job } = dataOf(await call(ASSIGN, { segmentId: segment.id, ownerId: 'carla' }, tenant));
    expect(job).toMatchObject({ id: crashed._id.toString(), status: 'DONE', matched: 6, assigned: 6, skipped: 0 });
    expect(await CompanyModel.countDocuments({ tenantId: tenant.tenantId, ownerId: 'carla' })).toBe(6);
    const events = await assignedEvents(segment.id, 3);
    expect(events.map((e) => e.aggregateId).sort()).toEqual([ids[3], ids[4], ids[5]].map(String).sort());
  });

  it("lets a head of sales give only their teams' companies, and only to their teams' people", async () => {
    const admin = testIdentity(undefined, ['admin']);
    const head = testIdentity(admin.tenantId, ['head_of_sales']);
    // The policy's view of the directory (as TeamChanged leaves it): the head leads a team with Mia.
    await PolicyTeamModel.create({ _id: policyKey(admin.tenantId, 'north'), tenantId: admin.tenantId, teamId: 'north', leadId: head.userId, memberIds: ['mia'], revision: 1, deleted: false });
    await companies(admin, [
      { name: 'Ours', industry: 'Scoped', ownerId: 'mia' },
      { name: 'Theirs', industry: 'Scoped', ownerId: 'olaf' },
      { name: 'Nobody’s', industry: 'Scoped' },
    ]);
    const { createSegment: segment } = dataOf(await call(CREATE, { input: { name: 'Scoped', filter: { field: 'INDUSTRY', op: 'EQ', value: 'Scoped' } } }, head));
    const owners = async () => Object.fromEntries((await CompanyModel.find({ tenantId: admin.tenantId }).lean()).map((company) => [company.name, company.ownerId ?? null]));

    // Olaf is in none of the head's teams: nothing is given to him, nothing is started.
    expect(errorCodes(await call(ASSIGN, { segmentId: segment.id, ownerId: 'olaf' }, head))).toEqual(['FORBIDDEN']);
    expect(await SegmentAssignmentModel.countDocuments({ tenantId: admin.tenantId })).toBe(0);
    // To the head: the team's company only; other teams' and unowned ones are out of their scope.
    const { assignSegment: job } = dataOf(await call(ASSIGN, { segmentId: segment.id, ownerId: head.userId }, head));
    expect(job).toMatchObject({ status: 'DONE', matched: 1, assigned: 1, skipped: 0 });
    expect(await owners()).toEqual({ Ours: head.userId, Theirs: 'olaf', 'Nobody’s': null });
    // An admin gives all of them.
    expect(dataOf(await call(ASSIGN, { segmentId: segment.id, ownerId: 'mia' }, admin)).assignSegment).toMatchObject({ status: 'DONE', matched: 3, assigned: 3 });
    expect(await owners()).toEqual({ Ours: 'mia', Theirs: 'mia', 'Nobody’s': 'mia' });
  });

  it('refuses a second runner while one holds the job, managers, and bad owners', async () => {
    const tenant = testIdentity(undefined, ['admin']);
    await companies(tenant, [{ name: 'Busy', industry: 'Busy' }]);
    const { createSegment: segment } = dataOf(await call(CREATE, { input: { name: 'Busy', filter: { field: 'INDUSTRY', op: 'EQ', value: 'Busy' } } }, tenant));
    const running = await SegmentAssignmentModel.create({
      tenantId: tenant.tenantId, segmentId: new Types.ObjectId(segment.id), ownerId: 'dora', filter: segment.filter, status: 'RUNNING', leaseUntil: new Date(Date.now() + 60_000), startedBy: tenant.userId,
    });
    const busy = await call(ASSIGN, { segmentId: segment.id, ownerId: 'dora' }, tenant);
    expect(errorCodes(busy)).toEqual(['CONFLICT']);
    expect(busy.errors?.[0]?.extensions?.existingId).toBe(running._id.toString());
    expect(errorCodes(await call(ASSIGN, { segmentId: segment.id, ownerId: 'dora' }, testIdentity(tenant.tenantId, ['manager'])))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await call(ASSIGN, { segmentId: segment.id, ownerId: 'x'.repeat(65) }, tenant))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(ASSIGN, { segmentId: 'not-an-id', ownerId: 'dora' }, tenant))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(ASSIGN, { segmentId: new Types.ObjectId().toString(), ownerId: 'dora' }, tenant))).toEqual(['NOT_FOUND']);
    expect((await CompanyModel.findOne({ tenantId: tenant.tenantId, name: 'Busy' }).lean())!.ownerId ?? null).toBeNull();
  });
});
