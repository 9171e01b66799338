// createCompany/updateCompany with every field: normalisation, unique tax id, events, history, tenants.
import { topics } from '@crm/events';
import { readTopics, type TopicReader } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { CompanyModel } from '../src/modules/company/company.model';
import { FieldChangeModel } from '../src/modules/history/field-change.model';
import { UniqueKeyModel } from '../src/modules/shared/unique-key.model';
import { startContacts } from '../src/service';

const service = serviceUnderTest('contacts', startContacts);
const call = (identity: ReturnType<typeof testIdentity>, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);

const FIELDS = `id name website domain industry taxId ownerId teamId territoryId source tags riskFlags
  phones { type number primary } emails { type address primary } addresses { type street city postalCode country primary }
  messengers { kind handle } customFields { key value } potential { amount currency } abcClass
  profile { supplyStructure financing mainCustomers competitors shareholders { name sharePercent founder }
    solvency { rating assessedAt note } litigation { caseNumber court role amount { amount currency } status summary } paymentTerms { days method note } }
  completeness { percent missing } updatedAt`;
const CREATE = `mutation ($input: CreateCompanyInput!) { createCompany(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateCompanyInput!) { updateCompany(id: $id, input: $input) { ${FIELDS} } }`;
const SET_COUNTRY = `mutation ($country: String!) { setTenantDefaultCountry(country: $country) { defaultCountry } }`;

const full = {
  name: '  Nordwind   Logistik GmbH ',
  website: 'https://www.Nordwind-Logistik.de/kontakt',
  industry: ' Logistics ',
  taxId: 'DE 123 456 789',
  teamId: 'team-north',
  territoryId: 'de-north',
  source: 'REFERRAL',
  tags: [' key account ', 'key account', 'port'],
  phones: [
    { type: 'WORK', number: '040 1234567' },
    { type: 'MOBILE', number: '+44 20 7946 0958', primary: true },
  ],
  emails: [{ address: ' Info@Nordwind-Logistik.DE ' }],
  addresses: [{ type: 'LEGAL', street: 'Hafenstraße 1', city: 'Hamburg', postalCode: '20457', country: 'de' }],
  messengers: [{ kind: 'TELEGRAM', handle: '@nordwind' }],
  profile: {
    supplyStructure: 'Imports from three Baltic distributors',
    financing: 'Bank loan and leasing',
    mainCustomers: ['Hamburg Port Authority'],
    shareholders: [{ name: 'Jan Petersen', sharePercent: 60, founder: true }],
    solvency: { rating: 'A-', assessedAt: '2026-10-01T00:00:00.000Z' },
    competitors: ['Baltic Freight'],
    litigation: [{ caseNumber: '3 O 112/25', court: 'LG Hamburg', role: 'PLAINTIFF', amount: { amount: 12000, currency: 'eur' }, status: 'OPEN', summary: 'Unpaid supplier invoice' }],
    paymentTerms: { days: 30, method: 'bank transfer' },
  },
  potential: { amount: 250000, currency: 'EUR' },
  riskFlags: ['litigation'],
};

describe('createCompany with every field', () => {
  it('stores each field normalised: E.164 phones in the default country, lower-cased emails, collapsed names, one primary', async () => {
    const admin = testIdentity(undefined, ['admin']);
    expect(dataOf(await call(admin, SET_COUNTRY, { country: 'de' })).setTenantDefaultCountry).toEqual({ defaultCountry: 'DE' });
    const company = dataOf(await call(admin, CREATE, { input: full })).createCompany;
    expect(company).toMatchObject({
      name: 'Nordwind Logistik GmbH',
      domain: 'nordwind-logistik.de',
      industry: 'Logistics',
      taxId: 'DE 123 456 789',
      ownerId: admin.userId,
      source: 'REFERRAL',
      tags: ['key account', 'port'],
      riskFlags: ['LITIGATION'],
      phones: [
        { type: 'WORK', number: '+49401234567', primary: false },
        { type: 'MOBILE', number: '+442079460958', primary: true },
      ],
      emails: [{ type: 'WORK', address: 'info@nordwind-logistik.de', primary: true }],
      addresses: [{ type: 'LEGAL', street: 'Hafenstraße 1', city: 'Hamburg', postalCode: '20457', country: 'DE', primary: true }],
      messengers: [{ kind: 'TELEGRAM', handle: '@nordwind' }],
      potential: { amount: 250000, currency: 'EUR' },
      profile: {
        mainCustomers: ['Hamburg Port Authority'],
        shareholders: [{ name: 'Jan Petersen', sharePercent: 60, founder: true }],
        solvency: { rating: 'A-', assessedAt: '2026-10-01T00:00:00.000Z', note: null },
        litigation: [{ caseNumber: '3 O 112/25', role: 'PLAINTIFF', amount: { amount: 12000, currency: 'EUR' }, status: 'OPEN' }],
        paymentTerms: { days: 30, method: 'bank transfer', note: null },
      },
      // The default required set: name, industry, taxId, phones, addresses, profile.paymentTerms, profile.solvency.
      completeness: { percent: 100, missing: [] },
    });
  });

  it('takes an explicit country on a phone over the default, and refuses a national number without any', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const national = await call(tenant, CREATE, { input: { name: 'A', phones: [{ number: '+33 1 23 45 67 89' }, { number: '030 1234567' }] } });
    expect(errorCodes(national)).toEqual(['BAD_USER_INPUT']);
    expect(national.errors?.[0]?.extensions?.field).toBe('phones.1.number');
    const withCountry = dataOf(await call(tenant, CREATE, { input: { name: 'A', phones: [{ number: '030 1234567', country: 'DE' }] } })).createCompany;
    expect(withCountry.phones).toEqual([{ type: 'WORK', number: '+49301234567', primary: true }]);
  });

  const many = <T>(n: number, entry: (i: number) => T) => Array.from({ length: n }, (_, i) => entry(i));
  it.each([
    [{ name: 'A', emails: [{ address: 'ok@a.io' }, { address: 'not an email' }] }, 'emails.1.address'],
    [{ name: 'A', phones: [{ number: '+4930123456', primary: true }, { number: '+4930654321', primary: true }] }, 'phones.1.primary'],
    [{ name: 'A', emails: [{ address: 'a@a.io' }, { address: 'A@a.io ' }] }, 'emails.1.address'],
    [{ name: 'A', tags: many(51, (i) => `t${i}`) }, 'tags'],
    [{ name: 'A', phones: many(21, (i) => ({ number: `+49301234${String(i).padStart(3, '0')}` })) }, 'phones'],
    [{ name: 'A', profile: { litigation: many(101, (i) => ({ caseNumber: `C${i}`, role: 'DEFENDANT', status: 'OPEN' })) } }, 'profile.litigation'],
    [{ name: 'A', profile: { shareholders: [{ name: 'X', sharePercent: 120 }] } }, 'profile.shareholders.0.sharePercent'],
    [{ name: 'A', potential: { amount: -1, currency: 'EUR' } }, 'potential.amount'],
    [{ name: 'A', potential: { amount: 1, currency: 'euro' } }, 'potential.currency'],
    [{ name: 'A', addresses: [{ city: 'Berlin', country: 'Germany' }] }, 'addresses.0.country'],
    [{ name: 'A', customFields: [{ key: 'nope', value: 1 }] }, 'customFields.nope'],
  ])('refuses bad input %# with BAD_USER_INPUT naming the field, nothing stored', async (input, field) => {
    const tenant = testIdentity(undefined, ['manager']);
    const answer = await call(tenant, CREATE, { input });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors?.[0]?.extensions?.field).toBe(field);
    expect(await CompanyModel.countDocuments({ tenantId: tenant.tenantId })).toBe(0);
  });
});

describe('the unique tax id', () => {
  it('answers CONFLICT naming the company that holds it, compared letters and digits only', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const first = dataOf(await call(tenant, CREATE, { input: { name: 'First', taxId: 'DE123456789' } })).createCompany;
    const clash = await call(tenant, CREATE, { input: { name: 'Second', taxId: 'de 123-456-789' } });
    expect(errorCodes(clash)).toEqual(['CONFLICT']);
    expect(clash.errors?.[0]?.extensions).toMatchObject({ existingId: first.id, field: 'taxId' });
    expect(await CompanyModel.countDocuments({ tenantId: tenant.tenantId })).toBe(1);
    // Another tenant may hold the same tax id.
    expect(errorCodes(await call(testIdentity(), CREATE, { input: { name: 'Elsewhere', taxId: 'DE123456789' } }))).toEqual([]);
  });

  it('moves with an update: the old value is free again, the new one is taken', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const a = dataOf(await call(tenant, CREATE, { input: { name: 'A', taxId: 'AT1' } })).createCompany;
    const b = dataOf(await call(tenant, CREATE, { input: { name: 'B', taxId: 'AT2' } })).createCompany;
    const taken = await call(tenant, UPDATE, { id: b.id, input: { taxId: 'AT1' } });
    expect(errorCodes(taken)).toEqual(['CONFLICT']);
    expect(taken.errors?.[0]?.extensions?.existingId).toBe(a.id);
    dataOf(await call(tenant, UPDATE, { id: a.id, input: { taxId: 'AT3' } }));
    expect(dataOf(await call(tenant, UPDATE, { id: b.id, input: { taxId: 'AT1' } })).updateCompany.taxId).toBe('AT1');
    dataOf(await call(tenant, UPDATE, { id: a.id, input: { taxId: null } }));
    const claims = await UniqueKeyModel.find({ tenantId: tenant.tenantId, entityId: { $in: [a.id, b.id] } }).lean();
    expect(claims.map((claim) => [claim.value, claim.entityId])).toEqual([['AT1', b.id]]);
  });

  it("takes over a stale claim whose company was never written (a crash between claim and write)", async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const ghost = '0123456789abcdef01234567';
    await UniqueKeyModel.create({ _id: `${tenant.tenantId}|Company|taxId|FR999`, tenantId: tenant.tenantId, entity: 'Company', kind: 'taxId', value: 'FR999', entityId: ghost, claimedAt: new Date(Date.now() - 3_600_000) });
    const company = dataOf(await call(tenant, CREATE, { input: { name: 'Heir', taxId: 'FR 999' } })).createCompany;
    expect((await UniqueKeyModel.findById(`${tenant.tenantId}|Company|taxId|FR999`).lean())?.entityId).toBe(company.id);
  });
});

describe('updateCompany', () => {
  let reader: TopicReader;
  beforeAll(async () => {
    reader = await readTopics([topics.company]);
  });
  afterAll(() => reader.close());

  it('changes only the given fields, null clears, lists replace; publishes the changes, the new owner, risk flags and completeness', async () => {
    const tenant = testIdentity(undefined, ['admin']);
    const created = dataOf(await call(tenant, CREATE, { input: { name: 'Acme', industry: 'Retail', tags: ['a', 'b'], phones: [{ number: '+4930123456' }], customFields: [] } })).createCompany;
    expect(created.completeness).toEqual({ percent: 42.8, missing: ['taxId', 'addresses', 'profile.paymentTerms', 'profile.solvency'] });
    const updated = dataOf(
      await call(tenant, UPDATE, {
        id: created.id,
        input: { industry: null, tags: ['c'], ownerId: 'user-anna', riskFlags: ['overdue payments'], taxId: 'PL5260001246', profile: { paymentTerms: { days: 14 } } },
      }),
    ).updateCompany;
    expect(updated).toMatchObject({ name: 'Acme', industry: null, tags: ['c'], ownerId: 'user-anna', riskFlags: ['OVERDUE_PAYMENTS'], phones: [{ number: '+4930123456' }] });
    expect(updated.completeness).toEqual({ percent: 57.1, missing: ['industry', 'addresses', 'profile.solvency'] });

    const events = async (type: string) => (await reader.waitFor((m) => m.key === created.id && m.event?.type === type, type)).event!;
    const changed = await events('CompanyUpdated');
    expect(changed).toMatchObject({ tenantId: tenant.tenantId, actorId: tenant.userId, data: { companyId: created.id, name: 'Acme' } });
    expect(changed.data.changes).toEqual([
      { field: 'industry', from: 'Retail', to: null },
      { field: 'taxId', from: null, to: 'PL5260001246' },
      { field: 'ownerId', from: tenant.userId, to: 'user-anna' },
      { field: 'tags', from: ['a', 'b'], to: ['c'] },
      { field: 'riskFlags', from: [], to: ['OVERDUE_PAYMENTS'] },
      { field: 'profile.paymentTerms', from: null, to: { days: 14, method: null, note: null } },
    ]);
    expect((await events('CompanyAssigned')).data).toEqual({ companyId: created.id, ownerId: 'user-anna', previousOwnerId: tenant.userId });
    expect((await events('CompanyRiskFlagsChanged')).data).toEqual({ companyId: created.id, riskFlags: ['OVERDUE_PAYMENTS'] });
    await waitFor(() => reader.messages.filter((m) => m.key === created.id && m.event?.type === 'CompanyCompletenessChanged').length === 2, { what: 'two completeness events' });
    expect(reader.messages.filter((m) => m.key === created.id && m.event?.type === 'CompanyCompletenessChanged').map((m) => m.event!.data.percent)).toEqual([42.8, 57.1]);

    // The history writer turns the event into field changes, once each.
    const history = await waitFor(async () => {
      const rows = await FieldChangeModel.find({ tenantId: tenant.tenantId, entity: 'Company', entityId: created.id }).sort({ at: -1 }).lean();
      return rows.length === 6 && rows;
    }, { what: 'six field changes' });
    expect(history.map((row) => row.field).sort()).toEqual(['industry', 'ownerId', 'profile.paymentTerms', 'riskFlags', 'tags', 'taxId']);
    expect(history.every((row) => row.actorId === tenant.userId && row._id.startsWith(`${changed.id}:`))).toBe(true);
  });

  it('writes nothing and publishes nothing when nothing changes', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const created = dataOf(await call(tenant, CREATE, { input: { name: 'Same', industry: 'Retail' } })).createCompany;
    const again = dataOf(await call(tenant, UPDATE, { id: created.id, input: { name: ' Same ', industry: 'Retail' } })).updateCompany;
    // updatedAt aside: the relay's removal of the published events touches it.
    expect({ ...again, updatedAt: null }).toEqual({ ...created, updatedAt: null });
    const stored = await CompanyModel.findById(created.id).lean();
    expect(stored?.revision).toBe(0);
    expect(stored?.outboxVersion).toBe(1); // the creation's events only
  });

  it('loses neither of two concurrent edits of different fields', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const created = dataOf(await call(tenant, CREATE, { input: { name: 'Busy' } })).createCompany;
    const edits = [{ industry: 'Food' }, { website: 'busy.example' }, { teamId: 'team-1' }, { tags: ['x'] }];
    const answers = await Promise.all(edits.map((input) => call(tenant, UPDATE, { id: created.id, input })));
    for (const answer of answers) expect(errorCodes(answer)).toEqual([]);
    const stored = await CompanyModel.findById(created.id).lean();
    expect(stored).toMatchObject({ industry: 'Food', website: 'busy.example', domain: 'busy.example', teamId: 'team-1', tags: ['x'], revision: 4 });
  });

  it("answers NOT_FOUND for another tenant's company and changes nothing; BAD_USER_INPUT for a blank name", async () => {
    const owner = testIdentity(undefined, ['manager']);
    const created = dataOf(await call(owner, CREATE, { input: { name: 'Mine' } })).createCompany;
    const stranger = testIdentity(undefined, ['admin']);
    expect(errorCodes(await call(stranger, UPDATE, { id: created.id, input: { name: 'Stolen' } }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(owner, UPDATE, { id: 'nope', input: { name: 'X' } }))).toEqual(['BAD_USER_INPUT']);
    const blank = await call(owner, UPDATE, { id: created.id, input: { name: '  ' } });
    expect(blank.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    expect((await CompanyModel.findById(created.id).lean())?.name).toBe('Mine');
  });
});

describe('tenant settings', () => {
  it('lets admins only set the default country, and refuses one that is no country', async () => {
    const tenant = testIdentity(undefined, ['admin']);
    expect(dataOf(await call(tenant, `{ tenantSettings { defaultCountry } }`)).tenantSettings).toEqual({ defaultCountry: null });
    const manager = testIdentity(tenant.tenantId, ['manager']);
    expect(errorCodes(await call(manager, SET_COUNTRY, { country: 'FR' }))).toEqual(['FORBIDDEN']);
    const bad = await call(tenant, SET_COUNTRY, { country: 'XX' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'country' });
    dataOf(await call(tenant, SET_COUNTRY, { country: 'FR' }));
    expect(dataOf(await call(manager, `{ tenantSettings { defaultCountry } }`)).tenantSettings).toEqual({ defaultCountry: 'FR' });
    expect(dataOf(await call(testIdentity(), `{ tenantSettings { defaultCountry } }`)).tenantSettings).toEqual({ defaultCountry: null });
  });
});
