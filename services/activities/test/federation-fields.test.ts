// Company.activities and Deal.activityConnection (filters, cursor pages), Deal.activities' filter, Contact.lastTouch.
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { startActivities } from '../src/service';

const CREATE = `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id } }`;
const COMPLETE = `mutation ($id: ID!) { completeActivity(id: $id) { id completedAt } }`;
const COMPANY = `query ($r: [_Any!]!, $first: Int, $after: String, $filter: ActivityFilter) { _entities(representations: $r) {
  ... on Company { activities(first: $first, after: $after, filter: $filter) { edges { cursor node { subject } } pageInfo { hasNextPage hasPreviousPage endCursor } totalCount } } } }`;
const DEAL = `query ($r: [_Any!]!, $filter: ActivityFilter, $first: Int, $after: String) { _entities(representations: $r) { ... on Deal {
  activities(filter: $filter) { subject }
  activityConnection(first: $first, after: $after, filter: $filter) { edges { node { subject } } pageInfo { hasNextPage endCursor } } } } }`;
const TOUCH = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id lastTouch { at kind activityId activity { subject } } } } }`;

const service = serviceUnderTest('activities', startActivities);
const newId = () => new Types.ObjectId().toHexString();

describe('federation fields', () => {
  // An admin: the activities are assigned to others too (a manager's rights are their own, rights.e2e).
  const tenant = testIdentity(undefined, ['admin']);
  const call = (query: string, variables?: object, identity = tenant) => subgraphRequest(service.url, identity, query, variables);
  const create = async (input: object, identity = tenant) => dataOf(await call(CREATE, { input }, identity)).createActivity.id as string;

  it("pages a company's activities newest first with filters, within the tenant", async () => {
    const companyId = newId();
    for (const [i, kind] of ['CALL', 'EMAIL', 'CALL', 'TASK', 'CALL'].entries()) {
      await create({ kind, subject: `#${i} ${kind}`, companyId, dueAt: `2030-01-0${i + 1}T10:00:00Z`, assigneeId: i === 4 ? 'user-bob' : undefined });
    }
    await create({ kind: 'CALL', subject: 'Foreign', companyId }, testIdentity(undefined, ['manager']));
    const page = async (variables: object) => dataOf(await call(COMPANY, { r: [{ __typename: 'Company', id: companyId }], ...variables }))._entities[0].activities;

    const first = await page({ first: 2 });
    expect(first.edges.map((e: any) => e.node.subject)).toEqual(['#4 CALL', '#3 TASK']);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.totalCount).toBe(5);
    const second = await page({ first: 2, after: first.pageInfo.endCursor });
    expect(second.edges.map((e: any) => e.node.subject)).toEqual(['#2 CALL', '#1 EMAIL']);
    const last = await page({ first: 2, after: second.pageInfo.endCursor });
    expect(last.edges.map((e: any) => e.node.subject)).toEqual(['#0 CALL']);
    expect(last.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const calls = await page({ filter: { kinds: ['CALL'], assigneeId: tenant.userId } });
    expect(calls.edges.map((e: any) => e.node.subject)).toEqual(['#2 CALL', '#0 CALL']);
    const window = await page({ filter: { from: '2030-01-02T00:00:00Z', to: '2030-01-04T00:00:00Z' } });
    expect(window.edges.map((e: any) => e.node.subject)).toEqual(['#2 CALL', '#1 EMAIL']);
    expect(window.totalCount).toBe(2);
    expect((await page({ filter: { status: 'DONE' } })).edges).toEqual([]);
  });

  it('refuses bad pages and filters', async () => {
    const r = [{ __typename: 'Company', id: newId() }];
    expect(errorCodes(await call(COMPANY, { r, first: 101 }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(COMPANY, { r, after: 'garbage' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(COMPANY, { r, filter: { from: 'yesterday' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(COMPANY, { r, filter: { from: '2030-01-02T00:00:00Z', to: '2030-01-01T00:00:00Z' } }))).toEqual(['BAD_USER_INPUT']);
  });

  it("filters a deal's list and pages its connection", async () => {
    const dealId = newId();
    await create({ kind: 'CALL', subject: 'Call', dealId, dueAt: '2030-01-01T10:00:00Z' });
    await create({ kind: 'TASK', subject: 'Task', dealId, dueAt: '2030-01-02T10:00:00Z' });
    await create({ kind: 'CALL', subject: 'Later call', dealId, dueAt: '2030-01-03T10:00:00Z' });
    const r = [{ __typename: 'Deal', id: dealId }];
    const deal = dataOf(await call(DEAL, { r, filter: { kinds: ['CALL'] }, first: 1 }))._entities[0];
    expect(deal.activities.map((a: any) => a.subject)).toEqual(['Later call', 'Call']);
    expect(deal.activityConnection.edges.map((e: any) => e.node.subject)).toEqual(['Later call']);
    const next = dataOf(await call(DEAL, { r, filter: { kinds: ['CALL'] }, first: 1, after: deal.activityConnection.pageInfo.endCursor }))._entities[0];
    expect(next.activityConnection).toEqual({ edges: [{ node: { subject: 'Call' } }], pageInfo: { hasNextPage: false, endCursor: expect.any(String) } });
  });

  it("keeps each person's last touch: the latest completion, never moved back, per tenant", async () => {
    const [ada, bert] = [newId(), newId()];
    const first = await create({ kind: 'CALL', subject: 'First call', contactIds: [ada] });
    const second = await create({ kind: 'MEETING', place: 'OFFICE', subject: 'Meeting', contactIds: [ada, bert] });
    const firstDone = dataOf(await call(COMPLETE, { id: first })).completeActivity;
    const touches = async (identity = tenant) =>
      dataOf(await call(TOUCH, { r: [ada, bert].map((id) => ({ __typename: 'Contact', id })) }, identity))._entities.map((c: any) => c.lastTouch);
    await waitFor(async () => (await touches())[0]?.activityId === first, { what: 'the first touch' });
    expect(await touches()).toEqual([{ at: firstDone.completedAt, kind: 'CALL', activityId: first, activity: { subject: 'First call' } }, null]);

    const secondDone = dataOf(await call(COMPLETE, { id: second })).completeActivity;
    const both = await waitFor(async () => {
      const now = await touches();
      return now[1] && now[0].activityId === second && now;
    }, { what: 'the meeting as both last touches' });
    expect(both).toEqual([0, 1].map(() => ({ at: secondDone.completedAt, kind: 'MEETING', activityId: second, activity: { subject: 'Meeting' } })));
    expect(await touches(testIdentity(undefined, ['manager']))).toEqual([null, null]);
  });

  it("narrows a manager's lists with a filter, never widens them, and shows only the touches they may read", async () => {
    const [companyId, dealId, contactId] = [newId(), newId(), newId()];
    const manager = testIdentity(tenant.tenantId, ['manager']);
    const davesCall = await create({ kind: 'CALL', subject: "Dave's call", companyId, dealId, contactIds: [contactId], assigneeId: 'user-dave' });
    await create({ kind: 'CALL', subject: 'My call', companyId, dealId }, manager);
    const company = (filter?: object) => call(COMPANY, { r: [{ __typename: 'Company', id: companyId }], filter }, manager);
    const deal = (filter?: object) => call(DEAL, { r: [{ __typename: 'Deal', id: dealId }], filter }, manager);

    // Naming another user's activities in the filter is reading them: FORBIDDEN, as Query.activities.
    expect(errorCodes(await company({ assigneeId: 'user-dave' }))).toEqual(['FORBIDDEN']);
    expect([...new Set(errorCodes(await deal({ assigneeId: 'user-dave' })))]).toEqual(['FORBIDDEN']);
    // Without it, or naming themselves, only their own.
    expect(dataOf(await company())._entities[0].activities.edges.map((e: any) => e.node.subject)).toEqual(['My call']);
    const own = dataOf(await deal({ assigneeId: manager.userId }))._entities[0];
    expect(own.activities.map((a: any) => a.subject)).toEqual(['My call']);
    expect(own.activityConnection.edges.map((e: any) => e.node.subject)).toEqual(['My call']);
    // The admin's filter by Dave finds Dave's (the filter is kept, not dropped).
    expect(dataOf(await call(DEAL, { r: [{ __typename: 'Deal', id: dealId }], filter: { assigneeId: 'user-dave' } }))._entities[0].activities.map((a: any) => a.subject)).toEqual(["Dave's call"]);

    // Dave's call as the person's last touch: the admin sees it, the manager nothing of it.
    await call(COMPLETE, { id: davesCall });
    const touch = (identity: typeof tenant) => call(TOUCH, { r: [{ __typename: 'Contact', id: contactId }] }, identity).then((r) => dataOf(r)._entities[0].lastTouch);
    await waitFor(async () => (await touch(tenant))?.activityId === davesCall, { what: "Dave's call as the last touch" });
    expect(await touch(manager)).toBeNull();
  });
});
