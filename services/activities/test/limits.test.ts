// Bounded lists and input sizes of the activities subgraph (docs/architecture.md, "Limits").
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { Types } from 'mongoose';
import { ActivityModel } from '../src/modules/activity/activity.model';
import { startActivities } from '../src/service';

const service = serviceUnderTest('activities', startActivities);
type Caller = ReturnType<typeof testIdentity>;
const call = (identity: Caller, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);
const CREATE = `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id } }`;

describe("a deal's activities", () => {
  const tenant = testIdentity(undefined, ['manager']);
  const dealId = new Types.ObjectId().toHexString();
  const due = (i: number) => new Date(Date.UTC(2030, 0, 1 + i)).toISOString();

  beforeAll(async () => {
    for (let i = 0; i < 23; i += 1) dataOf(await call(tenant, CREATE, { input: { kind: 'CALL', subject: `Call ${String(i).padStart(2, '0')}`, dealId, dueAt: due(i) } }));
  });

  it('are the latest due 20 by default, in the root query and on the deal, read with that limit', async () => {
    const find = jest.spyOn(ActivityModel, 'find');
    const root = dataOf(await call(tenant, `query ($d: ID) { activities(dealId: $d) { subject } }`, { d: dealId })).activities;
    const entity = dataOf(await call(tenant, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Deal { activities { subject } } } }`, { r: [{ __typename: 'Deal', id: dealId }] }));
    const limits = find.mock.calls.flatMap(([filter], i) =>
      filter && 'dealId' in filter ? [(find.mock.results[i]!.value as { getOptions(): { limit?: number } }).getOptions().limit] : [],
    );
    find.mockRestore();
    const latest20 = Array.from({ length: 20 }, (_, i) => ({ subject: `Call ${String(22 - i).padStart(2, '0')}` }));
    expect(root).toEqual(latest20);
    expect(entity._entities[0].activities).toEqual(latest20);
    expect(limits).toEqual([20, 20]);
  });

  it('are as many as first asks, up to 200', async () => {
    const root = (first: number) => call(tenant, `query ($d: ID, $first: Int) { activities(dealId: $d, first: $first) { id } }`, { d: dealId, first });
    const entity = (first: number) =>
      call(tenant, `query ($r: [_Any!]!, $first: Int) { _entities(representations: $r) { ... on Deal { activities(first: $first) { id } } } }`, {
        r: [{ __typename: 'Deal', id: dealId }],
        first,
      });
    expect(dataOf(await root(23)).activities).toHaveLength(23);
    expect(dataOf(await root(2)).activities).toHaveLength(2);
    expect(dataOf(await entity(3))._entities[0].activities).toHaveLength(3);
    expect(errorCodes(await root(201))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await entity(201))).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses an assignee filter longer than a user id', async () => {
    const answer = await call(tenant, `query ($a: ID) { activities(assigneeId: $a) { id } }`, { a: 'x'.repeat(65) });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors?.[0]?.extensions?.field).toBe('assigneeId');
  });
});

describe('input sizes', () => {
  it.each([
    { what: 'a subject of 301 characters', change: { subject: 'x'.repeat(301) }, field: 'subject' },
    { what: 'a deal id of 10,000 characters', change: { dealId: 'x'.repeat(10_000) }, field: 'dealId' },
    { what: 'an assignee id of 65 characters', change: { assigneeId: 'x'.repeat(65) }, field: 'assigneeId' },
  ])('refuses an activity with $what: BAD_USER_INPUT naming $field, nothing stored', async ({ change, field }) => {
    const tenant = testIdentity(undefined, ['manager']);
    const answer = await call(tenant, CREATE, { input: { kind: 'NOTE', subject: 'S', ...change } });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors?.[0]?.extensions?.field).toBe(field);
    expect(await ActivityModel.countDocuments({ tenantId: tenant.tenantId })).toBe(0);
  });
});
