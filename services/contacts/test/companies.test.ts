import { IDENTITY_HEADER, LOCAL_INTERNAL_SECRET, signInternalIdentity, type Identity } from '@crm/auth';
import { readTopics } from '@crm/messaging/testing';
import { parseEvent, topics } from '@crm/events';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { parse } from 'csv-parse/sync';
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
      // Once published, the event leaves the document's outbox (the relay clears it after the broker's ack).
      await waitFor(async () => (await CompanyModel.findById(createCompany.id).lean())?.outbox.length === 0, { what: 'the outbox emptied' });
    } finally {
      await reader.close();
    }
  });
});

describe('exportCompanies', () => {
  /** The CSV of an export, downloaded from the service's own route as the gateway passes it on (signed identity of the downloader). */
  async function download(identity: Identity, url: string): Promise<{ header: string[]; rows: Record<string, string>[] }> {
    const token = await signInternalIdentity(identity, process.env.INTERNAL_SECRET ?? LOCAL_INTERNAL_SECRET);
    const response = await fetch(service.url.replace(/\/graphql$/, url), { headers: { [IDENTITY_HEADER]: token } });
    expect(response.status).toBe(200);
    const text = await response.text();
    const [header] = parse(text, { bom: true, to: 1 }) as string[][];
    return { header: header!, rows: parse(text, { bom: true, columns: true }) as Record<string, string>[] };
  }
  const EXPORT = `mutation { exportCompanies(format: CSV) { url } }`;

  it("leaves out the columns of fields the downloader's role may not read, as GraphQL withholds them", async () => {
    const admin = testIdentity(undefined, ['admin']);
    const auditor = testIdentity(admin.tenantId, ['auditor']);
    // An auditor reads and exports every company, without its potential.
    const SET = `mutation ($rights: [RightInput!]!, $d: [String!]!) { setRolePermissions(role: "auditor", rights: $rights, deniedFields: $d) { revision } }`;
    const rights = [
      { object: 'COMPANY', action: 'READ', scope: 'ALL' },
      { object: 'COMPANY', action: 'EXPORT', scope: 'ALL' },
    ];
    dataOf(await call(SET, { rights, d: ['Company.potential'] }, admin));
    const { createCompany } = dataOf(await call(`mutation { createCompany(input: { name: "Potent AG", potential: { amount: 90000, currency: "EUR" } }) { id } }`, {}, admin));
    await waitFor(async () => {
      const answer = await call(`query ($id: ID!) { company(id: $id) { name potential { amount } } }`, { id: createCompany.id }, auditor);
      return answer.data?.company?.name === 'Potent AG' && errorCodes(answer).includes('FORBIDDEN');
    }, { what: "contacts to apply the auditor's rights" });

    const byAdmin = await download(admin, dataOf(await call(EXPORT, {}, admin)).exportCompanies.url);
    expect(byAdmin.header).toContain('potential');
    expect(byAdmin.rows).toEqual([expect.objectContaining({ id: createCompany.id, name: 'Potent AG', potential: '90000 EUR' })]);

    const byAuditor = await download(auditor, dataOf(await call(EXPORT, {}, auditor)).exportCompanies.url);
    expect(byAuditor.header).toEqual(byAdmin.header.filter((heading) => heading !== 'potential'));
    expect(byAuditor.rows).toEqual([expect.objectContaining({ id: createCompany.id, name: 'Potent AG' })]);
    expect(byAuditor.rows[0]).not.toHaveProperty('potential');
    // The file is written for whoever downloads it: the admin's export, downloaded by the auditor, has no potential either.
    const adminsFile = dataOf(await call(EXPORT, {}, admin)).exportCompanies.url;
    expect((await download(auditor, adminsFile)).header).toEqual(byAuditor.header);
  });
});
