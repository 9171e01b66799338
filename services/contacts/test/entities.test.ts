import { dataOf, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { startContacts } from '../src/service';

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Company { id name contacts { fullName } }
    ... on Contact { id fullName company { name } }
  }
}`;

const service = serviceUnderTest('contacts', startContacts);
const owner = testIdentity(undefined, ['manager']);
const call = (query: string, variables?: object, identity = owner) => subgraphRequest(service.url, identity, query, variables);


describe('federation entities', () => {
  it('resolves Company and Contact references, in order, repeated keys included', async () => {
    const company = dataOf(await call(`mutation { createCompany(input: { name: "Umbrella" }) { id } }`)).createCompany;
    const contact = dataOf(
      await call(`mutation ($c: ID) { createContact(input: { firstName: "Jill", lastName: "Valentine", companyId: $c }) { id } }`, { c: company.id }),
    ).createContact;
    const { _entities } = dataOf(
      await call(ENTITIES, {
        representations: [
          { __typename: 'Company', id: company.id },
          { __typename: 'Contact', id: contact.id },
          { __typename: 'Company', id: company.id },
        ],
      }),
    );
    expect(_entities).toEqual([
      { id: company.id, name: 'Umbrella', contacts: [{ fullName: 'Jill Valentine' }] },
      { id: contact.id, fullName: 'Jill Valentine', company: { name: 'Umbrella' } },
      { id: company.id, name: 'Umbrella', contacts: [{ fullName: 'Jill Valentine' }] },
    ]);
  });

  it("returns null for another tenant's references and for unknown ids", async () => {
    const company = dataOf(await call(`mutation { createCompany(input: { name: "Hidden" }) { id } }`)).createCompany;
    const other = testIdentity(undefined, ['admin']);
    const { _entities } = dataOf(
      await call(
        ENTITIES,
        { representations: [{ __typename: 'Company', id: company.id }, { __typename: 'Company', id: 'not-an-id' }] },
        other,
      ),
    );
    expect(_entities).toEqual([null, null]);
  });
});
