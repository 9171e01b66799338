// companies(filter, orderBy, first, after): every op, and/or/not, custom fields, multi-key order
// with cursors through the whole list, totalCount, bad input, tenants (list-filter/README.md).
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import mongoose from 'mongoose';
import { companyFields } from '../src/modules/company-list/company-fields';
import { CompanyModel } from '../src/modules/company/company.model';
import { compileFilter, type FilterInput } from '../src/modules/list-filter/compile-filter';
import { allOf } from '../src/modules/list-filter/store-filter';
import { startContacts } from '../src/service';

const LIST = `query ($filter: CompanyFilter, $orderBy: [CompanyOrder!], $first: Int, $after: String) {
  companies(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount edges { cursor node { id name industry ownerId potential { amount } } } pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

const service = serviceUnderTest('contacts', startContacts);
const tenant = testIdentity(undefined, ['admin']);
const list = (variables: object, identity = tenant) => subgraphRequest(service.url, identity, LIST, variables);

const day = (n: number) => new Date(Date.UTC(2024, 0, 1 + n));
const company = (name: string, fields: Record<string, unknown> = {}) => ({ tenantId: tenant.tenantId, name, nameKey: name.toLowerCase(), ...fields });
const seed = [
  company('Alpha Logistics', {
    industry: 'Logistics', ownerId: 'u1', teamId: 't-north', tags: ['vip', 'north'], source: 'CALL', abcClass: 'A', potential: { amount: 50000, currency: 'EUR' },
    customFields: { vatGroup: 'A', employees: 120, segments: ['retail', 'b2b'], active: true },
    emails: [{ type: 'WORK', address: 'info@alpha.com', primary: true }], phones: [{ type: 'WORK', number: '+493011122233', primary: true }],
    profile: { solvency: { rating: 'AA' }, litigation: [{ caseNumber: 'C-1', role: 'DEFENDANT', status: 'OPEN' }], competitors: ['Omega'] }, createdAt: day(1),
  }),
  company('beta Wholesale', { industry: 'Wholesale', ownerId: 'u2', tags: ['north'], source: 'WEB_FORM', abcClass: 'B', potential: { amount: 20000, currency: 'EUR' }, customFields: { vatGroup: 'B', employees: 40 }, createdAt: day(2) }),
  company('Gamma (Trade) Co.', { ownerId: 'u1', createdAt: day(3) }),
  company('Delta Foods', { industry: 'Food', ownerId: 'u3', tags: ['vip'], source: 'REFERRAL', abcClass: 'C', potential: { amount: 20000, currency: 'USD' }, customFields: { vatGroup: 'A', employees: 5, active: false }, createdAt: day(4) }),
  company('Epsilon a.c', { industry: 'Logistics', ownerId: 'u2', source: 'CALL', abcClass: 'A', potential: { amount: 90000, currency: 'EUR' }, customFields: { employees: 300 }, createdAt: day(5) }),
  company('Zeta abc', { industry: 'Food', teamId: 't-south', tags: ['south'], potential: { amount: 1000, currency: 'EUR' }, createdAt: day(6) }),
  company('Eta Retail', { industry: 'Retail', ownerId: 'u3', tags: ['south', 'vip'], source: 'CALL', abcClass: 'B', customFields: { vatGroup: 'C', segments: ['retail'] }, createdAt: day(7) }),
  company('Theta Trade', { industry: 'Wholesale', ownerId: 'u1', abcClass: 'C', potential: { amount: 90000, currency: 'EUR' }, createdAt: day(8) }),
];
const all = seed.map((c) => c.name);

/** Names of every company the filter matches, read page by page in the given order. */
async function names(filter?: FilterInput, orderBy?: object[], first = 3): Promise<string[]> {
  const seen: string[] = [];
  let after: string | undefined;
  for (let page = 0; page < 20; page++) {
    const { companies } = dataOf(await list({ filter, orderBy, first, after }));
    seen.push(...companies.edges.map((edge: any) => edge.node.name));
    if (!companies.pageInfo.hasNextPage) return seen;
    after = companies.pageInfo.endCursor;
  }
  throw new Error('more than 20 pages');
}
const sorted = (values: string[]) => [...values].sort();
const match = async (filter: FilterInput) => sorted(await names(filter));

beforeAll(async () => {
  await CompanyModel.insertMany(seed);
});

describe('companies: filter ops', () => {
  it('EQ, NEQ and IN on text, enum and list fields', async () => {
    expect(await match({ field: 'INDUSTRY', op: 'EQ', value: 'Logistics' })).toEqual(['Alpha Logistics', 'Epsilon a.c']);
    expect(await match({ field: 'SOURCE', op: 'EQ', value: 'CALL' })).toEqual(['Alpha Logistics', 'Epsilon a.c', 'Eta Retail']);
    expect(await match({ field: 'TAGS', op: 'EQ', value: 'vip' })).toEqual(['Alpha Logistics', 'Delta Foods', 'Eta Retail']);
    expect(await match({ field: 'OWNER_ID', op: 'IN', values: ['u2', 'u3'] })).toEqual(['Delta Foods', 'Epsilon a.c', 'Eta Retail', 'beta Wholesale']);
    expect(await match({ field: 'ABC_CLASS', op: 'IN', values: ['A', 'C'] })).toEqual(['Alpha Logistics', 'Delta Foods', 'Epsilon a.c', 'Theta Trade']);
    // NEQ: a missing value is not equal; on a list, no element is equal.
    expect(await match({ field: 'INDUSTRY', op: 'NEQ', value: 'Food' })).toEqual(sorted(all.filter((n) => !['Delta Foods', 'Zeta abc'].includes(n))));
    expect(await match({ field: 'TAGS', op: 'NEQ', value: 'vip' })).toEqual(['Epsilon a.c', 'Gamma (Trade) Co.', 'Theta Trade', 'Zeta abc', 'beta Wholesale']);
  });

  it('compares names case-insensitively, and emails lower-cased', async () => {
    expect(await match({ field: 'NAME', op: 'EQ', value: '  BETA   wholesale ' })).toEqual(['beta Wholesale']);
    expect(await match({ field: 'EMAILS', op: 'EQ', value: 'Info@Alpha.com' })).toEqual(['Alpha Logistics']);
    expect(await match({ field: 'PHONES', op: 'CONTAINS', value: '30111' })).toEqual(['Alpha Logistics']);
  });

  it('GT, GTE, LT and LTE on numbers, dates and text', async () => {
    expect(await match({ field: 'POTENTIAL', op: 'GT', value: 20000 })).toEqual(['Alpha Logistics', 'Epsilon a.c', 'Theta Trade']);
    expect(await match({ field: 'POTENTIAL', op: 'GTE', value: 50000 })).toEqual(['Alpha Logistics', 'Epsilon a.c', 'Theta Trade']);
    expect(await match({ field: 'POTENTIAL', op: 'LT', value: 20000 })).toEqual(['Zeta abc']);
    expect(await match({ field: 'POTENTIAL', op: 'LTE', value: 20000 })).toEqual(['Delta Foods', 'Zeta abc', 'beta Wholesale']);
    expect(await match({ field: 'CREATED_AT', op: 'LT', value: day(3).toISOString() })).toEqual(['Alpha Logistics', 'beta Wholesale']);
    expect(await match({ field: 'CREATED_AT', op: 'GTE', value: '2024-01-08' })).toEqual(['Eta Retail', 'Theta Trade']);
    expect(await match({ field: 'NAME', op: 'GTE', value: 'Zeta' })).toEqual(['Zeta abc']);
  });

  it('CONTAINS is a case-insensitive literal substring: regex characters match only themselves', async () => {
    expect(await match({ field: 'NAME', op: 'CONTAINS', value: 'TRADE' })).toEqual(['Gamma (Trade) Co.', 'Theta Trade']);
    expect(await match({ field: 'NAME', op: 'CONTAINS', value: 'a.c' })).toEqual(['Epsilon a.c']);
    expect(await match({ field: 'NAME', op: 'CONTAINS', value: '(trade)' })).toEqual(['Gamma (Trade) Co.']);
    expect(await match({ field: 'NAME', op: 'CONTAINS', value: '.*' })).toEqual([]);
    expect(await match({ field: 'PROFILE_COMPETITORS', op: 'CONTAINS', value: 'ome' })).toEqual(['Alpha Logistics']);
  });

  it('IS_NULL on values, lists and nested profile fields', async () => {
    expect(await match({ field: 'INDUSTRY', op: 'IS_NULL' })).toEqual(['Gamma (Trade) Co.']);
    expect(await match({ field: 'OWNER_ID', op: 'IS_NULL', value: true })).toEqual(['Zeta abc']);
    expect(await match({ field: 'TAGS', op: 'IS_NULL', value: true })).toEqual(['Epsilon a.c', 'Gamma (Trade) Co.', 'Theta Trade']);
    expect(await match({ field: 'POTENTIAL', op: 'IS_NULL', value: false })).toHaveLength(6);
    expect(await match({ field: 'PROFILE_SOLVENCY', op: 'IS_NULL', value: false })).toEqual(['Alpha Logistics']);
    expect(await match({ field: 'PROFILE_SOLVENCY', op: 'EQ', value: 'AA' })).toEqual(['Alpha Logistics']);
    expect(await match({ field: 'PROFILE_LITIGATION', op: 'EQ', value: 'OPEN' })).toEqual(['Alpha Logistics']);
    expect(await match({ field: 'PROFILE_LITIGATION', op: 'IS_NULL' })).toHaveLength(7);
    expect(await match({ field: 'EMAILS', op: 'IS_NULL', value: false })).toEqual(['Alpha Logistics']);
  });

  it('custom fields: text, numbers, true/false, multi-select lists, empty', async () => {
    expect(await match({ customField: 'vatGroup', op: 'EQ', value: 'A' })).toEqual(['Alpha Logistics', 'Delta Foods']);
    expect(await match({ customField: 'vatGroup', op: 'IN', values: ['B', 'C'] })).toEqual(['Eta Retail', 'beta Wholesale']);
    expect(await match({ customField: 'employees', op: 'GTE', value: 100 })).toEqual(['Alpha Logistics', 'Epsilon a.c']);
    expect(await match({ customField: 'employees', op: 'LT', value: 100 })).toEqual(['Delta Foods', 'beta Wholesale']);
    expect(await match({ customField: 'active', op: 'EQ', value: false })).toEqual(['Delta Foods']);
    expect(await match({ customField: 'segments', op: 'EQ', value: 'retail' })).toEqual(['Alpha Logistics', 'Eta Retail']);
    expect(await match({ customField: 'vatGroup', op: 'CONTAINS', value: 'b' })).toEqual(['beta Wholesale']);
    expect(await match({ customField: 'vatGroup', op: 'IS_NULL' })).toEqual(['Epsilon a.c', 'Gamma (Trade) Co.', 'Theta Trade', 'Zeta abc']);
  });

  it('and, or and not nest', async () => {
    // (Logistics or Food) and not owned by u2
    const filter: FilterInput = {
      and: [{ or: [{ field: 'INDUSTRY', op: 'EQ', value: 'Logistics' }, { field: 'INDUSTRY', op: 'EQ', value: 'Food' }] }, { not: { field: 'OWNER_ID', op: 'EQ', value: 'u2' } }],
    };
    expect(await match(filter)).toEqual(['Alpha Logistics', 'Delta Foods', 'Zeta abc']);
    // two conditions on one field in one and
    expect(await match({ and: [{ field: 'POTENTIAL', op: 'GT', value: 1000 }, { field: 'POTENTIAL', op: 'LT', value: 90000 }] })).toEqual(['Alpha Logistics', 'Delta Foods', 'beta Wholesale']);
    expect(await match({ not: { or: [{ field: 'TAGS', op: 'EQ', value: 'vip' }, { field: 'TAGS', op: 'IS_NULL' }] } })).toEqual(['Zeta abc', 'beta Wholesale']);
    expect(await match({ and: [{ field: 'OWNER_ID', op: 'EQ', value: 'u1' }, { customField: 'vatGroup', op: 'EQ', value: 'A' }, { field: 'TAGS', op: 'EQ', value: 'north' }] })).toEqual([
      'Alpha Logistics',
    ]);
  });

  it('totalCount counts every match, whatever the page', async () => {
    const { companies } = dataOf(await list({ filter: { field: 'INDUSTRY', op: 'IN', values: ['Food', 'Wholesale'] }, first: 1 }));
    expect(companies.totalCount).toBe(4);
    expect(companies.edges).toHaveLength(1);
    expect(dataOf(await list({ first: 2 })).companies.totalCount).toBe(seed.length);
  });
});

describe('companies: orderBy and cursors', () => {
  type Seeded = (typeof seed)[number] & { potential?: { amount: number } };
  const value = (c: Seeded, key: string): any => (key === 'potential' ? c.potential?.amount : (c as any)[key]) ?? null;
  /** The documented order: empty values first ascending, last descending; ties by id (seed order here). */
  const expected = (keys: [string, 'ASC' | 'DESC'][]) =>
    [...(seed as Seeded[])]
      .map((c, i) => ({ c, i }))
      .sort((a, b) => {
        for (const [key, direction] of keys) {
          const [x, y] = [value(a.c, key), value(b.c, key)];
          if (x === y) continue;
          const order = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
          return direction === 'ASC' ? order : -order;
        }
        return a.i - b.i;
      })
      .map(({ c }) => c.name);

  it.each([
    [[['industry', 'ASC'], ['potential', 'DESC']], [{ field: 'INDUSTRY' }, { field: 'POTENTIAL', direction: 'DESC' }]],
    [[['abcClass', 'DESC'], ['nameKey', 'ASC']], [{ field: 'ABC_CLASS', direction: 'DESC' }, { field: 'NAME' }]],
    [[['ownerId', 'ASC'], ['createdAt', 'DESC']], [{ field: 'OWNER_ID', direction: 'ASC' }, { field: 'CREATED_AT', direction: 'DESC' }]],
    [[['potential', 'ASC']], [{ field: 'POTENTIAL' }]],
  ] as const)('pages through the whole list in order %j: no duplicates, no gaps', async (keys, orderBy) => {
    for (const first of [1, 2, 3, 100]) {
      const seen = await names(undefined, orderBy as unknown as object[], first);
      expect(seen).toEqual(expected(keys as unknown as [string, 'ASC' | 'DESC'][]));
    }
  });

  it('is newest first without orderBy, and filters and orders together', async () => {
    expect(await names()).toEqual([...all].reverse());
    expect(await names({ field: 'POTENTIAL', op: 'GTE', value: 20000 }, [{ field: 'POTENTIAL', direction: 'DESC' }, { field: 'NAME', direction: 'DESC' }], 2)).toEqual([
      'Theta Trade', 'Epsilon a.c', 'Alpha Logistics', 'Delta Foods', 'beta Wholesale',
    ]);
  });

  it('refuses a cursor of another order and a forged one', async () => {
    const byName = dataOf(await list({ orderBy: [{ field: 'NAME' }], first: 2 })).companies.pageInfo.endCursor;
    const other = await list({ orderBy: [{ field: 'INDUSTRY' }], first: 2, after: byName });
    expect(errorCodes(other)).toEqual(['BAD_USER_INPUT']);
    expect(other.errors?.[0]?.message).toMatch(/another order/);
    const forged = Buffer.from(JSON.stringify({ o: 'name:a', v: [{ $gt: '' }], id: '665f1c2e8b3e4a0012a4b5c6' })).toString('base64url');
    expect(errorCodes(await list({ orderBy: [{ field: 'NAME' }], after: forged }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await list({ after: 'not-a-cursor' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await list({ orderBy: [{ field: 'NAME' }, { field: 'NAME', direction: 'DESC' }] }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('companies: bad input and tenants', () => {
  const refused = async (filter: object, message: RegExp) => {
    const answer = await list({ filter });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors?.[0]?.message).toMatch(message);
    expect(answer.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
  };
  const nest = (depth: number): object => (depth === 0 ? { field: 'INDUSTRY', op: 'EQ', value: 'Food' } : { not: nest(depth - 1) });

  it('refuses unknown fields, wrong value types, ops a field does not take, and too much', async () => {
    expect(errorCodes(await list({ filter: { field: 'PASSWORD', op: 'EQ', value: 'x' } }))).toEqual(['BAD_USER_INPUT']);
    await refused({ field: 'POTENTIAL', op: 'GT', value: 'lots' }, /potential takes a number/);
    await refused({ field: 'CREATED_AT', op: 'LT', value: 'yesterday' }, /ISO-8601/);
    await refused({ field: 'ABC_CLASS', op: 'EQ', value: 'D' }, /one of A, B, C/);
    await refused({ field: 'INDUSTRY', op: 'EQ', value: { $ne: null } }, /takes a text/);
    await refused({ field: 'CREATED_AT', op: 'CONTAINS', value: '2024' }, /does not take CONTAINS/);
    await refused({ field: 'TAGS', op: 'GT', value: 'a' }, /does not take GT/);
    await refused({ field: 'INDUSTRY', op: 'EQ' }, /a value with EQ/);
    await refused({ field: 'INDUSTRY', op: 'IN', values: [] }, /between 1 and 100 values/);
    await refused({ field: 'INDUSTRY', op: 'IN', values: Array.from({ length: 101 }, (_, i) => `i${i}`) }, /between 1 and 100 values/);
    await refused({ customField: 'a.b', op: 'EQ', value: 'x' }, /customField: a key/);
    await refused({ customField: '$where', op: 'EQ', value: 'x' }, /customField: a key/);
    await refused({ customField: 'employees', op: 'GT', value: true }, /a text or a number/);
    await refused({ field: 'INDUSTRY', customField: 'x', op: 'EQ', value: 'x' }, /either field or customField/);
    await refused({ field: 'INDUSTRY', op: 'EQ', value: 'x', and: [{ field: 'INDUSTRY', op: 'EQ', value: 'y' }] }, /exactly one of/);
    await refused({ and: [] }, /between 1 and 20 items/);
    await refused({ or: Array.from({ length: 21 }, () => nest(0)) }, /between 1 and 20 items/);
    await refused(nest(5), /at most 5 levels deep/);
    await refused({ and: Array.from({ length: 3 }, () => ({ or: Array.from({ length: 20 }, () => nest(0)) })) }, /at most 50 conditions/);
    // five levels are fine: four nots around the Food condition
    expect(dataOf(await list({ filter: nest(4) })).companies.totalCount).toBe(2);
  });

  it('never shows another tenant its companies', async () => {
    const mallory = testIdentity(undefined, ['admin']);
    const answer = dataOf(await list({ filter: { field: 'INDUSTRY', op: 'IS_NULL', value: false } }, mallory)).companies;
    expect(answer).toMatchObject({ totalCount: 0, edges: [] });
    const id = (await CompanyModel.findOne({ tenantId: tenant.tenantId, name: 'Alpha Logistics' }).lean())!._id.toString();
    expect(dataOf(await list({ filter: { field: 'ID', op: 'EQ', value: id } }, mallory)).companies.totalCount).toBe(0);
    expect(dataOf(await list({ filter: { field: 'ID', op: 'EQ', value: id } })).companies.totalCount).toBe(1);
  });
});

describe('companies: field rights', () => {
  it('refuses a filter or a sort on a field the reader may not read (FORBIDDEN naming it): matches and cursors would tell its values', async () => {
    const auditor = testIdentity(tenant.tenantId, ['auditor']);
    const SET = `mutation ($rights: [RightInput!]!, $d: [String!]!) { setRolePermissions(role: "auditor", rights: $rights, deniedFields: $d) { revision } }`;
    dataOf(await subgraphRequest(service.url, tenant, SET, { rights: [{ object: 'COMPANY', action: 'READ', scope: 'ALL' }], d: ['Company.potential', 'Company.profile.solvency'] }));
    const AUDIT = `query ($filter: CompanyFilter, $orderBy: [CompanyOrder!]) { companies(filter: $filter, orderBy: $orderBy, first: 100) { totalCount edges { cursor node { name } } } }`;
    const audit = (variables: object) => subgraphRequest(service.url, auditor, AUDIT, variables);
    await waitFor(async () => (await audit({})).data?.companies?.totalCount === seed.length, { what: "contacts to apply the auditor's rights" });

    const refused = async (variables: object, field: string) => {
      const answer = await audit(variables);
      expect(errorCodes(answer)).toEqual(['FORBIDDEN']);
      expect(answer.errors?.[0]?.message).toContain(field);
      expect(answer.data).toBeNull();
    };
    await refused({ filter: { field: 'POTENTIAL', op: 'GT', value: 50000 } }, 'potential');
    await refused({ filter: { field: 'POTENTIAL', op: 'IS_NULL' } }, 'potential');
    await refused({ filter: { field: 'POTENTIAL_CURRENCY', op: 'EQ', value: 'USD' } }, 'potential.currency');
    await refused({ filter: { and: [{ field: 'INDUSTRY', op: 'EQ', value: 'Logistics' }, { not: { field: 'PROFILE_SOLVENCY', op: 'EQ', value: 'AA' } }] } }, 'profile.solvency');
    await refused({ orderBy: [{ field: 'NAME' }, { field: 'POTENTIAL', direction: 'DESC' }] }, 'potential');
    // Other fields filter and sort as before, and the cursors carry no potential.
    const allowed = dataOf(await audit({ filter: { field: 'INDUSTRY', op: 'EQ', value: 'Logistics' }, orderBy: [{ field: 'NAME' }] })).companies;
    expect(allowed.edges.map((edge: any) => edge.node.name)).toEqual(['Alpha Logistics', 'Epsilon a.c']);
    expect(allowed.edges.map((edge: any) => Buffer.from(edge.cursor, 'base64url').toString()).join()).not.toMatch(/50000|90000/);
    // A reader with the right still does both.
    expect(await names({ field: 'POTENTIAL', op: 'GT', value: 50000 }, [{ field: 'POTENTIAL', direction: 'DESC' }])).toEqual(['Epsilon a.c', 'Theta Trade']);

    // A segment filtering on it: its count and companies would tell the same, so the same answer.
    const CREATE_SEGMENT = `mutation ($name: String!) { createSegment(input: { name: $name, filter: { field: POTENTIAL, op: GT, value: 50000 } }) { id count } }`;
    const segment = dataOf(await subgraphRequest(service.url, tenant, CREATE_SEGMENT, { name: `big ${Date.now()}` })).createSegment;
    expect(segment.count).toBe(2);
    const seen = await subgraphRequest(service.url, auditor, `query ($id: ID!) { segment(id: $id) { count } }`, { id: segment.id });
    expect(errorCodes(seen)).toEqual(['FORBIDDEN']);
    // Nor may they save such a filter, or export by one.
    expect(errorCodes(await subgraphRequest(service.url, auditor, CREATE_SEGMENT, { name: `mine ${Date.now()}` }))).toEqual(['FORBIDDEN']);
    const EXPORT = `mutation { exportCompanies(filter: { field: POTENTIAL, op: GT, value: 50000 }, format: CSV) { url } }`;
    expect(errorCodes(await subgraphRequest(service.url, auditor, EXPORT))).toEqual(['FORBIDDEN']);
  });
});

describe('companies: which filters the indexes serve', () => {
  const plan = async (filter: FilterInput) => {
    const storeFilter = allOf([{ tenantId: tenant.tenantId }, compileFilter(filter, companyFields)]);
    const result = await mongoose.connection.db!.command({ explain: { find: 'companies', filter: storeFilter }, verbosity: 'queryPlanner' });
    return (result.queryPlanner.Plan as string[]).join(' | ');
  };

  it.each(['OWNER_ID', 'TEAM_ID', 'TERRITORY_ID', 'INDUSTRY', 'SOURCE', 'ABC_CLASS'] as const)('an equality on %s searches its own index', async (field) => {
    const indexed = `tenantId_1_${companyFields[field].path}_1__id_-1`;
    expect(await plan({ field, op: 'EQ', value: field === 'SOURCE' ? 'CALL' : field === 'ABC_CLASS' ? 'A' : 'x' })).toContain(indexed);
    expect(await plan({ and: [{ field, op: 'IN', values: [field === 'SOURCE' ? 'CALL' : 'A'] }, { field: 'NAME', op: 'CONTAINS', value: 'a' }] })).toContain(indexed);
  });

  it('ranges, contains, negations and custom fields read the tenant through a tenantId-led index, never the whole collection', async () => {
    for (const filter of [
      { field: 'POTENTIAL', op: 'GT', value: 1 },
      { field: 'NAME', op: 'CONTAINS', value: 'a' },
      { not: { field: 'OWNER_ID', op: 'EQ', value: 'u1' } },
      { customField: 'vatGroup', op: 'EQ', value: 'A' },
      { or: [{ field: 'OWNER_ID', op: 'EQ', value: 'u1' }, { field: 'TEAM_ID', op: 'EQ', value: 't' }] },
    ] as FilterInput[]) {
      const explained = await plan(filter);
      expect(explained).toMatch(/SEARCH \S+ USING INDEX \S+_tenantId_1_/);
      expect(explained).not.toMatch(/detail=SCAN/);
    }
  });
});
