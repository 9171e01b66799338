import { readTopics } from '@crm/messaging/testing';
import { parseEvent, topics } from '@crm/events';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { CompanyModel } from '../src/modules/company/company.model';
import { startContacts } from '../src/service';

const CREATE = `mutation ($input: CreateCompanyInput!) { createCompany(input: $input) { id name domain website ownerId createdAt } }`;
const LIST = `query ($first: Int, $after: String) {
  companies(first: $first, after: $after) { totalCount edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage endCursor } }
}`;

const service = serviceUnderTest('contacts', startContacts);
const alice = testIdentity(undefined, ['manager']);
const call = (query: string, variables?: object, identity = alice) => subgraphRequest(service.url, identity, query, variables);


describe('companies', () => {
  it('creates a company with a trimmed name, its web domain and the caller as owner', async () => {
    const { createCompany } = dataOf(await call(CREATE, { input: { name: '  Acme Trading  ', website: 'https://www.Acme-Trading.com/about' } }));
    expect(createCompany).toMatchObject({ name: 'Acme Trading', domain: 'acme-trading.com', ownerId: alice.userId });
    const { company } = dataOf(await call(`query ($id: ID!) { company(id: $id) { id name } }`, { id: createCompany.id }));
    expect(company).toEqual({ id: createCompany.id, name: 'Acme Trading' });
  });

  it('pages newest first with cursors and a total count', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    for (const name of ['One', 'Two', 'Three', 'Four', 'Five']) dataOf(await call(CREATE, { input: { name } }, tenant));
    const first = dataOf(await call(LIST, { first: 2 }, tenant)).companies;
    expect(first.totalCount).toBe(5);
    expect(first.edges.map((edge: any) => edge.node.name)).toEqual(['Five', 'Four']);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = dataOf(await call(LIST, { first: 3, after: first.pageInfo.endCursor }, tenant)).companies;
    expect(second.edges.map((edge: any) => edge.node.name)).toEqual(['Three', 'Two', 'One']);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('rejects bad input with BAD_USER_INPUT and writes nothing', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const empty = await call(CREATE, { input: { name: '   ' } }, tenant);
    expect(errorCodes(empty)).toEqual(['BAD_USER_INPUT']);
    expect(empty.errors?.[0]?.message).toMatch(/name must not be empty/);
    expect(empty.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
    expect(errorCodes(await call(CREATE, { input: { name: 'X', website: 'http://' } }, tenant))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(LIST, { first: 1000 }, tenant))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(LIST, { after: 'garbage' }, tenant))).toEqual(['BAD_USER_INPUT']);
    expect(await CompanyModel.countDocuments({ tenantId: tenant.tenantId })).toBe(0);
  });

  it('keeps tenants apart', async () => {
    const { createCompany } = dataOf(await call(CREATE, { input: { name: 'Private Ltd' } }));
    const mallory = testIdentity(undefined, ['admin']);
    expect(dataOf(await call(`query ($id: ID!) { company(id: $id) { id } }`, { id: createCompany.id }, mallory)).company).toBeNull();
    expect(dataOf(await call(LIST, {}, mallory)).companies.totalCount).toBe(0);
  });

  it('refuses requests that do not come through the gateway', async () => {
    const response = await fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ companies { totalCount } }' }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('publishes CompanyCreated keyed by the company id through the outbox', async () => {
    const reader = await readTopics([topics.company]);
    try {
      const { createCompany } = dataOf(await call(CREATE, { input: { name: 'Evented GmbH', website: 'evented.de' } }));
      const message = await reader.waitFor((m) => m.key === createCompany.id);
      const event = parseEvent(JSON.parse(message.value!));
      expect(event).toMatchObject({
        type: 'CompanyCreated',
        version: 1,
        source: 'contacts',
        tenantId: alice.tenantId,
        aggregateId: createCompany.id,
        actorId: alice.userId,
        data: { companyId: createCompany.id, name: 'Evented GmbH', domain: 'evented.de' },
      });
      expect(message.headers['event-type']).toBe('CompanyCreated');
      // Once published, the event leaves the document's outbox.
      const stored = await CompanyModel.findById(createCompany.id).lean();
      expect(stored?.outbox).toEqual([]);
    } finally {
      await reader.close();
    }
  });
});
