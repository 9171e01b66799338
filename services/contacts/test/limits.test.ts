// Bounded lists and input sizes of the contacts subgraph (docs/architecture.md, "Limits").
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { CompanyModel } from '../src/modules/company/company.model';
import { ContactModel } from '../src/modules/contact/contact.model';
import { startContacts } from '../src/service';

const service = serviceUnderTest('contacts', startContacts);
const call = (identity: ReturnType<typeof testIdentity>, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);
const CREATE_COMPANY = `mutation ($input: CreateCompanyInput!) { createCompany(input: $input) { id } }`;
const CREATE_CONTACT = `mutation ($input: CreateContactInput!) { createContact(input: $input) { id } }`;
const CONTACTS_OF = `query ($representations: [_Any!]!, $first: Int) {
  _entities(representations: $representations) { ... on Company { contacts(first: $first) { lastName } } }
}`;

describe("a company's contacts", () => {
  const tenant = testIdentity(undefined, ['manager']);
  let big: string;
  let small: string;

  beforeAll(async () => {
    const create = async (name: string): Promise<string> => dataOf(await call(tenant, CREATE_COMPANY, { input: { name } })).createCompany.id;
    [big, small] = [await create('Big'), await create('Small')];
    for (let i = 0; i < 23; i += 1) await call(tenant, CREATE_CONTACT, { input: { firstName: 'A', lastName: `Big${String(i).padStart(2, '0')}`, companyId: big } });
    for (let i = 0; i < 2; i += 1) await call(tenant, CREATE_CONTACT, { input: { firstName: 'A', lastName: `Small${i}`, companyId: small } });
  });

  const lists = async (first?: number) => {
    const answer = dataOf(await call(tenant, CONTACTS_OF, { representations: [big, small].map((id) => ({ __typename: 'Company', id })), first }));
    return answer._entities.map((company: { contacts: { lastName: string }[] }) => company.contacts.map((contact) => contact.lastName));
  };

  it('are 20 by default, in name order, each company read with its own limit', async () => {
    const find = jest.spyOn(ContactModel, 'find');
    const [ofBig, ofSmall] = await lists();
    const limits = find.mock.calls.flatMap(([filter], i) =>
      filter && 'companyId' in filter ? [(find.mock.results[i]!.value as { getOptions(): { limit?: number } }).getOptions().limit] : [],
    );
    find.mockRestore();
    expect(ofBig).toEqual(Array.from({ length: 20 }, (_, i) => `Big${String(i).padStart(2, '0')}`));
    expect(ofSmall).toEqual(['Small0', 'Small1']);
    expect(limits).toEqual([20, 20]);
  });

  it('are as many as first asks, up to 200', async () => {
    expect((await lists(22)).map((names: string[]) => names.length)).toEqual([22, 2]);
    expect((await lists(0)).map((names: string[]) => names.length)).toEqual([0, 0]);
    const tooMany = await call(tenant, CONTACTS_OF, { representations: [{ __typename: 'Company', id: big }], first: 201 });
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.errors?.[0]?.extensions?.field).toBe('first');
  });
});

describe('input sizes', () => {
  const long = (n: number) => 'x'.repeat(n);
  it.each([
    { what: 'a name of 201 characters', input: { name: long(201) }, field: 'name' },
    { what: 'a website of over 2048 characters', input: { name: 'A', website: `https://${long(2048)}.com` }, field: 'website' },
    { what: 'an ftp website', input: { name: 'A', website: 'ftp://acme.com' }, field: 'website' },
    { what: 'a javascript: website', input: { name: 'A', website: 'javascript:alert(1)' }, field: 'website' },
    { what: 'a mailto: website', input: { name: 'A', website: 'mailto:sales@acme.com' }, field: 'website' },
    { what: 'an industry of 101 characters', input: { name: 'A', industry: long(101) }, field: 'industry' },
    { what: 'a tax id of 51 characters', input: { name: 'A', taxId: long(51) }, field: 'taxId' },
    { what: 'an owner id of 65 characters', input: { name: 'A', ownerId: long(65) }, field: 'ownerId' },
  ])('refuses a company with $what: BAD_USER_INPUT naming $field, nothing stored', async ({ input, field }) => {
    const tenant = testIdentity(undefined, ['manager']);
    const answer = await call(tenant, CREATE_COMPANY, { input });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors?.[0]?.extensions?.field).toBe(field);
    expect(await CompanyModel.countDocuments({ tenantId: tenant.tenantId })).toBe(0);
  });

  it('takes http and https websites, with or without the scheme', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    for (const website of ['http://acme.com', 'https://www.acme.com/about', 'acme.com']) {
      expect(errorCodes(await call(tenant, CREATE_COMPANY, { input: { name: `Acme ${website}`, website } }))).toEqual([]);
    }
  });

  it.each([
    { what: 'a first name of 101 characters', input: { firstName: long(101), lastName: 'L' }, field: 'firstName' },
    { what: 'a last name of 101 characters', input: { firstName: 'F', lastName: long(101) }, field: 'lastName' },
    { what: 'an email of 255 characters', input: { firstName: 'F', lastName: 'L', email: `${long(250)}@a.io` }, field: 'email' },
    { what: 'a phone of 34 characters', input: { firstName: 'F', lastName: 'L', phone: `+49 ${'1'.repeat(30)}` }, field: 'phone' },
    { what: 'a position of 201 characters', input: { firstName: 'F', lastName: 'L', position: long(201) }, field: 'position' },
    { what: 'a company id of 10,000 characters', input: { firstName: 'F', lastName: 'L', companyId: long(10_000) }, field: 'companyId' },
  ])('refuses a contact with $what: BAD_USER_INPUT naming $field, nothing stored', async ({ input, field }) => {
    const tenant = testIdentity(undefined, ['manager']);
    const answer = await call(tenant, CREATE_CONTACT, { input });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors?.[0]?.extensions?.field).toBe(field);
    expect(await ContactModel.countDocuments({ tenantId: tenant.tenantId })).toBe(0);
  });
});
