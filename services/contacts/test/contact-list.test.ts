// contacts(filter, orderBy, first, after): the same engine over contact persons.
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { Types } from 'mongoose';
import { ContactModel } from '../src/modules/contact/contact.model';
import { startContacts } from '../src/service';

const LIST = `query ($filter: ContactFilter, $orderBy: [ContactOrder!], $first: Int, $after: String) {
  contacts(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount edges { node { id fullName email company { id } } } pageInfo { hasNextPage endCursor }
  }
}`;

const service = serviceUnderTest('contacts', startContacts);
const tenant = testIdentity(undefined, ['admin']);
const list = (variables: object, identity = tenant) => subgraphRequest(service.url, identity, LIST, variables);

const acme = new Types.ObjectId();
const globex = new Types.ObjectId();
const person = (firstName: string, lastName: string, fields: Record<string, unknown> = {}) => ({
  tenantId: tenant.tenantId, firstName, lastName, nameKey: `${firstName} ${lastName}`.toLowerCase(), ...fields,
});
const seed = [
  person('Anna', 'Berg', { email: 'anna@acme.com', companyId: acme, decisionMaker: true, position: 'CEO', ownerId: 'u1', employments: [{ companyId: acme, decisionMaker: true }], customFields: { language: 'de' } }),
  person('bob', 'Marley', { email: 'bob@acme.com', companyId: acme, position: 'Buyer', ownerId: 'u2', tags: ['vip'], employments: [{ companyId: globex }, { companyId: acme }] }),
  person('Carla', 'Ortiz', { email: 'carla@globex.com', companyId: globex, decisionMaker: true, ownerId: 'u1', customFields: { language: 'es' } }),
  person('Dan', 'Berg', { companyId: null, position: 'Consultant' }),
  person('Eve', 'Adams', { email: 'eve@globex.com', companyId: globex, ownerId: 'u2', tags: ['vip', 'tech'] }),
];

const names = async (filter?: object, orderBy?: object[], first = 2) => {
  const seen: string[] = [];
  let after: string | undefined;
  for (let page = 0; page < 10; page++) {
    const { contacts } = dataOf(await list({ filter, orderBy, first, after }));
    seen.push(...contacts.edges.map((edge: any) => edge.node.fullName));
    if (!contacts.pageInfo.hasNextPage) return seen;
    after = contacts.pageInfo.endCursor;
  }
  throw new Error('more than 10 pages');
};

beforeAll(async () => {
  await ContactModel.insertMany(seed);
});

describe('contacts list', () => {
  it('filters by company, decision maker, email, employments, position text and custom fields', async () => {
    expect((await names({ field: 'COMPANY_ID', op: 'EQ', value: acme.toString() })).sort()).toEqual(['Anna Berg', 'bob Marley']);
    expect((await names({ field: 'DECISION_MAKER', op: 'EQ', value: true })).sort()).toEqual(['Anna Berg', 'Carla Ortiz']);
    expect(await names({ field: 'EMAIL', op: 'EQ', value: ' BOB@acme.com' })).toEqual(['bob Marley']);
    expect((await names({ field: 'EMPLOYMENTS', op: 'EQ', value: globex.toString() })).sort()).toEqual(['bob Marley']);
    expect((await names({ field: 'EMPLOYMENTS', op: 'IS_NULL' })).sort()).toEqual(['Carla Ortiz', 'Dan Berg', 'Eve Adams']);
    expect((await names({ field: 'COMPANY_ID', op: 'IS_NULL' })).sort()).toEqual(['Dan Berg']);
    expect(await names({ field: 'POSITION', op: 'CONTAINS', value: 'consult' })).toEqual(['Dan Berg']);
    expect((await names({ or: [{ customField: 'language', op: 'EQ', value: 'es' }, { field: 'TAGS', op: 'EQ', value: 'tech' }] })).sort()).toEqual(['Carla Ortiz', 'Eve Adams']);
    expect(await names({ and: [{ field: 'OWNER_ID', op: 'EQ', value: 'u2' }, { not: { field: 'TAGS', op: 'EQ', value: 'tech' } }] })).toEqual(['bob Marley']);
  });

  it('orders by last then first name with cursors through the whole list, and counts', async () => {
    expect(await names(undefined, [{ field: 'LAST_NAME' }, { field: 'FIRST_NAME', direction: 'DESC' }], 2)).toEqual(['Eve Adams', 'Dan Berg', 'Anna Berg', 'bob Marley', 'Carla Ortiz']);
    expect(await names(undefined, [{ field: 'NAME' }], 1)).toEqual(['Anna Berg', 'bob Marley', 'Carla Ortiz', 'Dan Berg', 'Eve Adams']);
    expect(await names(undefined, [{ field: 'EMAIL', direction: 'DESC' }], 3)).toEqual(['Eve Adams', 'Carla Ortiz', 'bob Marley', 'Anna Berg', 'Dan Berg']);
    const { contacts } = dataOf(await list({ filter: { field: 'OWNER_ID', op: 'IN', values: ['u1', 'u2'] }, first: 1 }));
    expect(contacts.totalCount).toBe(4);
    expect(await names()).toEqual(seed.map((p) => `${p.firstName} ${p.lastName}`).reverse());
  });

  it('refuses bad input and keeps tenants apart', async () => {
    expect(errorCodes(await list({ filter: { field: 'COMPANY_ID', op: 'EQ', value: 'acme' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await list({ filter: { field: 'DECISION_MAKER', op: 'GT', value: true } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await list({ filter: { field: 'DECISION_MAKER', op: 'EQ', value: 'yes' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await list({ first: 101 }))).toEqual(['BAD_USER_INPUT']);
    const mallory = testIdentity(undefined, ['admin']);
    expect(dataOf(await list({ filter: { field: 'COMPANY_ID', op: 'EQ', value: acme.toString() } }, mallory)).contacts).toMatchObject({ totalCount: 0, edges: [] });
  });
});
