import { dataOf, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { Types } from 'mongoose';
import { ActivityModel } from '../src/modules/activity/activity.model';
import { startActivities } from '../src/service';

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Deal { id activities { subject } }
    ... on Activity { id subject deal { id } }
  }
}`;
const CREATE = `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id } }`;

const service = serviceUnderTest('activities', startActivities);
// An admin: the batched queries asserted here carry no row scope (rights.e2e has the scoped ones).
const owner = testIdentity(undefined, ['admin']);
const call = (query: string, variables?: object, identity = owner) => subgraphRequest(service.url, identity, query, variables);
const create = (subject: string, dealId: string, dueAt: string, identity = owner) =>
  call(CREATE, { input: { kind: 'TASK', subject, dealId, dueAt } }, identity).then((response) => dataOf(response).createActivity);


describe('federation entities', () => {
  it('resolves Deal references to their activities and Activity references, in order, repeated keys included', async () => {
    const [dealA, dealB, empty] = [0, 1, 2].map(() => new Types.ObjectId().toHexString());
    const first = await create('A first', dealA!, '2030-01-01T00:00:00Z');
    await create('A second', dealA!, '2030-02-01T00:00:00Z');
    await create('B only', dealB!, '2030-01-01T00:00:00Z');
    await create('Foreign', dealA!, '2030-03-01T00:00:00Z', testIdentity(undefined, ['manager']));

    // The gateway repeats keys: each deal of one request is read once, with the list's limit.
    const find = jest.spyOn(ActivityModel, 'find');
    const { _entities } = dataOf(
      await call(ENTITIES, {
        representations: [
          { __typename: 'Deal', id: dealA },
          { __typename: 'Activity', id: first.id },
          { __typename: 'Deal', id: dealB },
          { __typename: 'Deal', id: dealA },
          { __typename: 'Deal', id: empty },
        ],
      }),
    );
    const byDeal = find.mock.calls.flatMap(([filter], i) =>
      filter && 'dealId' in filter ? [{ filter, limit: (find.mock.results[i]!.value as { getOptions(): { limit?: number } }).getOptions().limit }] : [],
    );
    find.mockRestore();
    expect(_entities).toEqual([
      { id: dealA, activities: [{ subject: 'A second' }, { subject: 'A first' }] },
      { id: first.id, subject: 'A first', deal: { id: dealA } },
      { id: dealB, activities: [{ subject: 'B only' }] },
      { id: dealA, activities: [{ subject: 'A second' }, { subject: 'A first' }] },
      { id: empty, activities: [] },
    ]);
    expect(byDeal).toEqual(
      [dealA, dealB, empty].map((dealId) => ({ filter: { tenantId: owner.tenantId, dealId }, limit: 20 })),
    );
  });

  it("shows another tenant only its own activities of a deal, and null for others' or unknown activities", async () => {
    const dealId = new Types.ObjectId().toHexString();
    const mine = await create('Mine', dealId, '2030-01-01T00:00:00Z');
    const other = testIdentity(undefined, ['admin']);
    const { _entities } = dataOf(
      await call(
        ENTITIES,
        {
          representations: [
            { __typename: 'Deal', id: dealId },
            { __typename: 'Activity', id: mine.id },
            { __typename: 'Activity', id: 'not-an-id' },
          ],
        },
        other,
      ),
    );
    expect(_entities).toEqual([{ id: dealId, activities: [] }, null, null]);
  });

  it("resolves User references to their working hours in the caller's tenant, and Activity.assignee by key", async () => {
    const SET = `mutation ($u: ID!, $h: [WorkingPeriodInput!]!) { setWorkingHours(userId: $u, hours: $h) { userId } }`;
    const admin = testIdentity(undefined, ['admin']);
    dataOf(await call(SET, { u: 'user-anna', h: [{ weekday: 1, from: '08:00', to: '12:00' }] }, admin));
    const activity = await create('Call Anna', new Types.ObjectId().toHexString(), '2030-01-01T00:00:00Z', admin);
    dataOf(await call(`mutation ($id: ID!, $input: UpdateActivityInput!) { updateActivity(id: $id, input: $input) { id } }`, { id: activity.id, input: { assigneeId: 'user-anna' } }, admin));
    const USERS = `query ($r: [_Any!]!) { _entities(representations: $r) {
      ... on User { id workingHours { isDefault hours { weekday from to } } }
      ... on Activity { assignee { id } } } }`;
    const r = [{ __typename: 'User', id: 'user-anna' }, { __typename: 'Activity', id: activity.id }];
    expect(dataOf(await call(USERS, { r }, admin))._entities).toEqual([
      { id: 'user-anna', workingHours: { isDefault: false, hours: [{ weekday: 1, from: '08:00', to: '12:00' }] } },
      { assignee: { id: 'user-anna' } },
    ]);
    // The same id in another tenant is another person: that tenant's (default) hours, not these.
    const stranger = testIdentity(undefined, ['admin']);
    expect(dataOf(await call(USERS, { r }, stranger))._entities).toEqual([{ id: 'user-anna', workingHours: { isDefault: true, hours: expect.any(Array) } }, null]);
  });
});
