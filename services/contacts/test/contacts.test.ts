import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { ContactModel } from '../src/modules/contact/contact.model';
import { startContacts } from '../src/service';

const CREATE_COMPANY = `mutation ($input: CreateCompanyInput!) { createCompany(input: $input) { id } }`;
const CREATE = `mutation ($input: CreateContactInput!) {
  createContact(input: $input) { id firstName lastName fullName email phone position company { id } }
}`;

const service = serviceUnderTest('contacts', startContacts);
const bob = testIdentity(undefined, ['manager']);
const call = (query: string, variables?: object, identity = bob) => subgraphRequest(service.url, identity, query, variables);


describe('contacts', () => {
  it('normalises names, email and phone and links the company', async () => {
    const { createCompany } = dataOf(await call(CREATE_COMPANY, { input: { name: 'Globex' } }));
    const { createContact } = dataOf(
      await call(CREATE, {
        input: { firstName: ' Ada ', lastName: ' Lovelace ', email: ' Ada@Globex.COM ', phone: '030 1234567', phoneCountry: 'de', companyId: createCompany.id, position: 'CFO' },
      }),
    );
    expect(createContact).toEqual({
      id: expect.any(String),
      firstName: 'Ada',
      lastName: 'Lovelace',
      fullName: 'Ada Lovelace',
      email: 'ada@globex.com',
      phone: '+49301234567',
      position: 'CFO',
      company: { id: createCompany.id },
    });
    const { company } = dataOf(await call(`query ($id: ID!) { company(id: $id) { contacts { id fullName } } }`, { id: createCompany.id }));
    expect(company.contacts).toEqual([{ id: createContact.id, fullName: 'Ada Lovelace' }]);
  });

  it('accepts an international phone without a country', async () => {
    const { createContact } = dataOf(await call(CREATE, { input: { firstName: 'Grace', lastName: 'Hopper', phone: '+1 (415) 555-0132' } }));
    expect(createContact.phone).toBe('+14155550132');
    expect(createContact.company).toBeNull();
  });

  it.each([
    [{ firstName: '', lastName: 'X' }, 'firstName'],
    [{ firstName: 'X', lastName: 'Y', email: 'not-an-email' }, 'email'],
    [{ firstName: 'X', lastName: 'Y', phone: '12' }, 'phone'],
    [{ firstName: 'X', lastName: 'Y', phone: '030 1234567', phoneCountry: 'Germany' }, 'phoneCountry'],
    [{ firstName: 'X', lastName: 'Y', companyId: 'nope' }, 'companyId'],
  ])('rejects %j as BAD_USER_INPUT on %s and writes nothing', async (input, field) => {
    const tenant = testIdentity(undefined, ['manager']);
    const response = await call(CREATE, { input }, tenant);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe(field);
    expect(await ContactModel.countDocuments({ tenantId: tenant.tenantId })).toBe(0);
  });

  it("answers NOT_FOUND for an unknown company or another tenant's company", async () => {
    const { createCompany } = dataOf(await call(CREATE_COMPANY, { input: { name: 'Initech' } }));
    const eve = testIdentity(undefined, ['admin']);
    const foreign = await call(CREATE, { input: { firstName: 'Eve', lastName: 'X', companyId: createCompany.id } }, eve);
    expect(errorCodes(foreign)).toEqual(['NOT_FOUND']);
    const unknown = await call(CREATE, { input: { firstName: 'Eve', lastName: 'X', companyId: '0123456789abcdef01234567' } }, eve);
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    expect(await ContactModel.countDocuments({ tenantId: eve.tenantId })).toBe(0);
  });
});
