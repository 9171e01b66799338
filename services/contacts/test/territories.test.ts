// The territory tree (country → region → city) and how a company is placed in it: an explicit
// territoryId wins, otherwise the deepest territory its address names.
import type { Identity } from '@crm/auth';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { Types } from 'mongoose';
import { startContacts } from '../src/service';

const service = serviceUnderTest('contacts', startContacts);
const call = (identity: Identity, query: string, variables: object = {}) => subgraphRequest(service.url, identity, query, variables);

const CREATE = `mutation ($input: CreateTerritoryInput!) { createTerritory(input: $input) { id kind code name parentId } }`;
const COMPANY = `id territoryId territory { code }`;
const CREATE_COMPANY = `mutation ($input: CreateCompanyInput!) { createCompany(input: $input) { ${COMPANY} } }`;
const UPDATE_COMPANY = `mutation ($id: ID!, $input: UpdateCompanyInput!) { updateCompany(id: $id, input: $input) { ${COMPANY} } }`;

/** A tenant with Germany (Bavaria: Munich; Berlin region: Berlin) and Austria (Vienna region: Vienna). */
async function tree(admin: Identity) {
  const add = async (kind: string, code: string, name: string, parentId?: string) => dataOf(await call(admin, CREATE, { input: { kind, code, name, parentId } })).createTerritory.id as string;
  const de = await add('COUNTRY', 'de', 'Germany');
  const by = await add('REGION', 'DE-BY', 'Bavaria', de);
  const muc = await add('CITY', 'DE-BY-MUC', 'Munich', by);
  const be = await add('REGION', 'DE-BE', 'Berlin', de);
  const ber = await add('CITY', 'DE-BE-BER', 'Berlin', be);
  const at = await add('COUNTRY', 'AT', 'Austria');
  const w = await add('REGION', 'AT-9', 'Wien', at);
  const vie = await add('CITY', 'AT-9-VIE', 'Wien', w);
  return { de, by, muc, be, ber, at, w, vie };
}

describe('territories', () => {
  it('builds the tree with unique codes and reads parents, children and paths', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const t = await tree(admin);
    const TERRITORY = `query ($id: ID!) { territory(id: $id) { code kind parent { code } children { code } path { code } } }`;
    expect(dataOf(await call(admin, TERRITORY, { id: t.muc })).territory).toEqual({ code: 'DE-BY-MUC', kind: 'CITY', parent: { code: 'DE-BY' }, children: [], path: [{ code: 'DE' }, { code: 'DE-BY' }, { code: 'DE-BY-MUC' }] });
    expect(dataOf(await call(admin, TERRITORY, { id: t.de })).territory).toMatchObject({ parent: null, children: [{ code: 'DE-BY' }, { code: 'DE-BE' }], path: [{ code: 'DE' }] });
    const roots = `query ($p: ID, $first: Int) { territories(parentId: $p, first: $first) { code } }`;
    expect(dataOf(await call(admin, roots)).territories).toEqual([{ code: 'AT' }, { code: 'DE' }]);
    expect(dataOf(await call(admin, roots, { p: t.de, first: 1 })).territories).toEqual([{ code: 'DE-BY' }]);
    expect(errorCodes(await call(admin, roots, { first: 201 }))).toEqual(['BAD_USER_INPUT']);

    const taken = await call(admin, CREATE, { input: { kind: 'COUNTRY', code: 'DE', name: 'Deutschland' } });
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', existingId: t.de });
    expect(errorCodes(await call(admin, CREATE, { input: { kind: 'CITY', code: 'X1', name: 'Nowhere', parentId: t.de } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(admin, CREATE, { input: { kind: 'REGION', code: 'X2', name: 'Orphan' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(admin, CREATE, { input: { kind: 'COUNTRY', code: 'X3', name: 'Child', parentId: t.at } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(admin, CREATE, { input: { kind: 'COUNTRY', code: 'bad code!', name: 'X' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(testIdentity(admin.tenantId, ['manager']), CREATE, { input: { kind: 'COUNTRY', code: 'FR', name: 'France' } }))).toEqual(['FORBIDDEN']);

    const UPDATE = `mutation ($id: ID!, $input: UpdateTerritoryInput!) { updateTerritory(id: $id, input: $input) { code name } }`;
    expect(dataOf(await call(admin, UPDATE, { id: t.by, input: { name: 'Bayern' } })).updateTerritory).toEqual({ code: 'DE-BY', name: 'Bayern' });
    expect(dataOf(await call(admin, UPDATE, { id: t.by, input: {} })).updateTerritory).toEqual({ code: 'DE-BY', name: 'Bayern' });
    expect(errorCodes(await call(admin, UPDATE, { id: t.by, input: { code: 'DE-BE' } }))).toEqual(['CONFLICT']);
    expect(errorCodes(await call(admin, UPDATE, { id: new Types.ObjectId().toHexString(), input: { name: 'X' } }))).toEqual(['NOT_FOUND']);

    // Another tenant sees none of it, by query or by reference.
    const stranger = testIdentity(undefined, ['admin']);
    expect(dataOf(await call(stranger, TERRITORY, { id: t.de })).territory).toBeNull();
    expect(dataOf(await call(stranger, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Territory { code } } }`, { r: [{ __typename: 'Territory', id: t.de }] }))._entities).toEqual([null]);
  });

  it('places a company by its address (deepest match, by code or name), keeps an explicit choice, and follows address changes', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const t = await tree(admin);
    const create = async (input: object) => dataOf(await call(admin, CREATE_COMPANY, { input: { name: 'Client', ...input } })).createCompany;
    const office = (address: object) => ({ addresses: [{ type: 'OFFICE', ...address }] });

    expect((await create(office({ city: ' munich ', country: 'DE' }))).territory).toEqual({ code: 'DE-BY-MUC' });
    expect((await create(office({ region: 'BAVARIA', country: 'de' }))).territory).toEqual({ code: 'DE-BY' });
    expect((await create(office({ city: 'Hamburg', country: 'DE' }))).territory).toEqual({ code: 'DE' });
    // "Wien" names a region and a city of Austria: as a city, the city.
    expect((await create(office({ city: 'Wien', country: 'AT' }))).territory).toEqual({ code: 'AT-9-VIE' });
    // A city whose country contradicts the address is not taken.
    expect((await create(office({ city: 'Munich', country: 'AT' }))).territory).toEqual({ code: 'AT' });
    expect(await create(office({ city: 'Paris', country: 'FR' }))).toMatchObject({ territoryId: null, territory: null });
    // The primary address places the company.
    const two = await create({ addresses: [{ type: 'OFFICE', city: 'Munich', country: 'DE' }, { type: 'LEGAL', city: 'Berlin', country: 'DE', primary: true }] });
    expect(two.territory).toEqual({ code: 'DE-BE-BER' });
    // An explicit choice wins over the address.
    const chosen = await create({ territoryId: t.at, ...office({ city: 'Munich', country: 'DE' }) });
    expect(chosen.territory).toEqual({ code: 'AT' });

    // A new address moves a company placed by its address...
    const moved = dataOf(await call(admin, UPDATE_COMPANY, { id: two.id, input: office({ city: 'Wien', country: 'AT' }) })).updateCompany;
    expect(moved.territory).toEqual({ code: 'AT-9-VIE' });
    // ...but not one placed explicitly; an explicit territory replaces it, null clears it.
    expect(dataOf(await call(admin, UPDATE_COMPANY, { id: chosen.id, input: office({ city: 'Berlin', country: 'DE' }) })).updateCompany.territory).toEqual({ code: 'AT' });
    expect(dataOf(await call(admin, UPDATE_COMPANY, { id: moved.id, input: { territoryId: t.muc } })).updateCompany.territory).toEqual({ code: 'DE-BY-MUC' });
    expect(dataOf(await call(admin, UPDATE_COMPANY, { id: moved.id, input: office({ city: 'Berlin', country: 'DE' }) })).updateCompany.territory).toEqual({ code: 'DE-BY-MUC' });
    const cleared = dataOf(await call(admin, UPDATE_COMPANY, { id: moved.id, input: { territoryId: null } })).updateCompany;
    expect(cleared).toMatchObject({ territoryId: null, territory: null });
    // Cleared explicitly, the next address places it again.
    expect(dataOf(await call(admin, UPDATE_COMPANY, { id: moved.id, input: office({ city: 'Berlin', country: 'DE' }) })).updateCompany.territory).toEqual({ code: 'DE-BE-BER' });
    // Another tenant's territory ids name nothing here.
    const stranger = testIdentity(undefined, ['admin']);
    const foreign = dataOf(await call(stranger, CREATE_COMPANY, { input: { name: 'Foreign', territoryId: t.de } })).createCompany;
    expect(foreign).toMatchObject({ territoryId: t.de, territory: null });
  });
});
