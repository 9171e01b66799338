import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { matchKeyId, MatchKeyModel } from '../src/modules/duplicate/match-key.model';
import { contactMatchKeys } from '../src/modules/duplicate/match-keys';
import { syncMatchKeys } from '../src/modules/duplicate/sync-match-keys';
import { startContacts } from '../src/service';
import { editCompany, editContact, email, phone, seedCompany, seedContact } from './merge-fixtures';

const COMPANY_DUPLICATES = `query ($id: ID!, $first: Int) { companyDuplicates(id: $id, first: $first) { company { id name } reasons { kind value } } }`;
const CONTACT_DUPLICATES = `query ($id: ID!, $first: Int) { contactDuplicates(id: $id, first: $first) { contact { id fullName } reasons { kind value } } }`;

const service = serviceUnderTest('contacts', startContacts);
const call = (identity: ReturnType<typeof testIdentity>, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);

/** The duplicates once the match keys of `expected` records are indexed (they follow the records' events). */
async function duplicatesOf(identity: ReturnType<typeof testIdentity>, query: string, id: string, expected: number): Promise<any[]> {
  return waitFor(async () => {
    const found = Object.values(dataOf(await call(identity, query, { id })))[0] as any[];
    return found.length === expected && found;
  }, { what: `${expected} duplicates of ${id}` });
}

// Admins: the seeded records have no owner, and duplicates are listed within the read scope (rights.e2e has managers).
describe('duplicates', () => {
  it('finds companies by email, phone, tax id and name plus web domain, each with its reason', async () => {
    const user = testIdentity(undefined, ['admin']);
    const { tenantId } = user;
    const acme = await seedCompany(tenantId, {
      name: 'Acme Trading',
      website: 'https://acme-trading.com',
      domain: 'acme-trading.com',
      taxId: 'DE 123.456-789',
      emails: [email('info@acme-trading.com', true)],
      phones: [phone('+493012345678', true)],
    });
    const byEmail = await seedCompany(tenantId, { name: 'ACME Sales Office', emails: [email('sales@acme.de'), email('info@acme-trading.com')] });
    const byPhone = await seedCompany(tenantId, { name: 'Acme Berlin', phones: [phone('+493012345678')] });
    const byTaxId = await seedCompany(tenantId, { name: 'Acme Holding', taxId: 'de123456789' });
    const byName = await seedCompany(tenantId, { name: 'acme   trading', website: 'www.acme-trading.com/contact', domain: 'acme-trading.com' });
    await seedCompany(tenantId, { name: 'Acme Trading', website: 'https://other.example', domain: 'other.example' }); // same name, other domain
    await seedCompany(tenantId, { name: 'Unrelated GmbH', emails: [email('info@unrelated.de')], phones: [phone('+493099999999')], taxId: 'DE999' });

    const found = await duplicatesOf(user, COMPANY_DUPLICATES, acme._id.toString(), 4);
    const byId = Object.fromEntries(found.map((duplicate) => [duplicate.company.id, duplicate.reasons]));
    expect(byId).toEqual({
      [byEmail._id.toString()]: [{ kind: 'EMAIL', value: 'info@acme-trading.com' }],
      [byPhone._id.toString()]: [{ kind: 'PHONE', value: '+493012345678' }],
      [byTaxId._id.toString()]: [{ kind: 'TAX_ID', value: 'DE123456789' }],
      [byName._id.toString()]: [{ kind: 'NAME_AND_DOMAIN', value: 'acme trading|acme-trading.com' }],
    });
    // Bounded: `first` cuts the list, most reasons first; beyond the bound is refused.
    expect(dataOf(await call(user, COMPANY_DUPLICATES, { id: acme._id.toString(), first: 2 })).companyDuplicates).toHaveLength(2);
    expect(errorCodes(await call(user, COMPANY_DUPLICATES, { id: acme._id.toString(), first: 51 }))).toEqual(['BAD_USER_INPUT']);
  });

  it('ranks a record sharing several keys first and follows updates of the records', async () => {
    const user = testIdentity(undefined, ['admin']);
    const { tenantId } = user;
    const original = await seedCompany(tenantId, { name: 'Nordwind Logistik', taxId: 'ATU12345678', emails: [email('office@nordwind.at')], phones: [phone('+43123456789')] });
    const twin = await seedCompany(tenantId, { name: 'Nordwind Logistik GmbH', taxId: 'ATU 1234 5678', emails: [email('office@nordwind.at')], phones: [phone('+43123456789')] });
    const single = await seedCompany(tenantId, { name: 'Nordwind Spedition', emails: [email('office@nordwind.at')] });
    const found = await duplicatesOf(user, COMPANY_DUPLICATES, original._id.toString(), 2);
    expect(found.map((duplicate) => duplicate.company.id)).toEqual([twin._id.toString(), single._id.toString()]);
    expect(found[0].reasons.map((reason: any) => reason.kind).sort()).toEqual(['EMAIL', 'PHONE', 'TAX_ID']);

    // The single match changes its email: it is no longer a duplicate, and its stale key is gone from the index.
    await editCompany(single, { emails: [email('info@nordwind-spedition.at')] });
    await duplicatesOf(user, COMPANY_DUPLICATES, original._id.toString(), 1);
    await waitFor(async () => (await MatchKeyModel.countDocuments({ tenantId, entity: 'Company', entityId: single._id.toString(), kind: 'EMAIL', value: 'office@nordwind.at' })) === 0, {
      what: 'the stale key removed',
    });
  });

  it('finds contact persons by email, phone and name plus email domain', async () => {
    const user = testIdentity(undefined, ['admin']);
    const { tenantId } = user;
    const anna = await seedContact(tenantId, { firstName: 'Anna', lastName: 'Schmidt', emails: [email('anna.schmidt@acme.de', true)], phones: [phone('+4915112345678', true)] });
    const sameEmail = await seedContact(tenantId, { firstName: 'A.', lastName: 'Schmidt', emails: [email('anna.schmidt@acme.de')] });
    const samePhone = await seedContact(tenantId, { firstName: 'Anna', lastName: 'Schmitt', phones: [phone('+4915112345678')] });
    const sameNameAndDomain = await seedContact(tenantId, { firstName: 'anna', lastName: 'schmidt', emails: [email('a.schmidt@acme.de')] });
    await seedContact(tenantId, { firstName: 'Anna', lastName: 'Schmidt', emails: [email('anna@private.example')] }); // same name, other domain

    const found = await duplicatesOf(user, CONTACT_DUPLICATES, anna._id.toString(), 3);
    const byId = Object.fromEntries(found.map((duplicate) => [duplicate.contact.id, duplicate.reasons]));
    expect(byId[sameEmail._id.toString()]).toEqual([{ kind: 'EMAIL', value: 'anna.schmidt@acme.de' }]);
    expect(byId[samePhone._id.toString()]).toEqual([{ kind: 'PHONE', value: '+4915112345678' }]);
    expect(byId[sameNameAndDomain._id.toString()]).toEqual([{ kind: 'NAME_AND_DOMAIN', value: 'anna schmidt|acme.de' }]);

    await editContact(samePhone, { phones: [phone('+4915199999999')], phone: '+4915199999999' });
    await duplicatesOf(user, CONTACT_DUPLICATES, anna._id.toString(), 2);
  });

  it('never takes a free-mail domain for a person\'s employer: namesakes at gmail.com, yahoo.de or hotmail.co.uk are no duplicates', async () => {
    const user = testIdentity(undefined, ['admin']);
    const { tenantId } = user;
    const john = (address: string, phones: ReturnType<typeof phone>[] = []) => seedContact(tenantId, { firstName: 'John', lastName: 'Smith', emails: [email(address, true)], phones });
    const anchor = await john('john.smith@gmail.com', [phone('+4915100000001', true)]);
    const namesakes = await Promise.all(['jsmith77@gmail.com', 'john.smith@googlemail.com', 'john@yahoo.de', 'js@hotmail.co.uk', 'smith@gmx.net'].map((address) => john(address)));
    const twin = await john('john.smith@proton.me', [phone('+4915100000001', true)]);
    const ids = [anchor, ...namesakes, twin].map((contact) => String(contact._id));
    // Every one indexed (each record's keys are written at once) before asking.
    await waitFor(async () => (await MatchKeyModel.countDocuments({ tenantId, entity: 'Contact', kind: 'EMAIL', entityId: { $in: ids } })) === ids.length, { what: "the namesakes' keys" });

    const found = dataOf(await call(user, CONTACT_DUPLICATES, { id: String(anchor._id) })).contactDuplicates;
    expect(found).toEqual([{ contact: { id: String(twin._id), fullName: 'John Smith' }, reasons: [{ kind: 'PHONE', value: '+4915100000001' }] }]);
    expect(await MatchKeyModel.countDocuments({ tenantId, kind: 'NAME_AND_DOMAIN' })).toBe(0);
    // A work domain still names the employer, also one that starts like a provider's.
    expect(contactMatchKeys({ ...anchor, emails: [email('john@live.smith-consulting.de')], email: null, phones: [], phone: null })).toContainEqual({
      kind: 'NAME_AND_DOMAIN',
      value: 'john smith|live.smith-consulting.de',
    });
  });

  it("never crosses tenants: another tenant's record is NOT_FOUND and its keys never match", async () => {
    const user = testIdentity(undefined, ['admin']);
    const mallory = testIdentity(undefined, ['admin']);
    const mine = await seedCompany(user.tenantId, { name: 'Shared Name', emails: [email('info@shared.example')] });
    const theirs = await seedCompany(mallory.tenantId, { name: 'Shared Name', emails: [email('info@shared.example')] });
    const mineToo = await seedCompany(user.tenantId, { name: 'Shared Name Two', emails: [email('info@shared.example')] });
    const found = await duplicatesOf(user, COMPANY_DUPLICATES, mine._id.toString(), 1);
    expect(found[0].company.id).toBe(mineToo._id.toString());
    expect(errorCodes(await call(mallory, COMPANY_DUPLICATES, { id: mine._id.toString() }))).toEqual(['NOT_FOUND']);
    expect(dataOf(await call(mallory, COMPANY_DUPLICATES, { id: theirs._id.toString() })).companyDuplicates).toEqual([]);
    expect(errorCodes(await call(user, CONTACT_DUPLICATES, { id: mine._id.toString() }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(user, COMPANY_DUPLICATES, { id: 'not-an-id' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('syncs the keys of many records at once: each gets its own, loses stale ones, and a record that is gone loses all', async () => {
    const { tenantId } = testIdentity();
    const ana = await seedContact(tenantId, { firstName: 'Ana', lastName: 'Sync', emails: [email('ana@sync.example', true)], phones: [phone('+493011112222', true)] });
    const ben = await seedContact(tenantId, { firstName: 'Ben', lastName: 'Sync', emails: [email('ben@sync.example', true)] });
    const gone = new Types.ObjectId().toString();
    const ids = [String(ana._id), String(ben._id), gone];
    const keysOf = async () => (await MatchKeyModel.find({ tenantId, entity: 'Contact', entityId: { $in: ids } }).lean()).map(({ _id }) => _id).sort();
    const expected = [ana, ben].flatMap((contact) => contactMatchKeys(contact).map((key) => matchKeyId(tenantId, 'Contact', String(contact._id), key.kind, key.value))).sort();
    // The consumer indexes both from their events first; no later event touches them.
    await waitFor(async () => (await keysOf()).length === expected.length, { what: 'the keys of the seeded contacts' });
    const stale = [matchKeyId(tenantId, 'Contact', String(ana._id), 'EMAIL', 'old@sync.example'), matchKeyId(tenantId, 'Contact', gone, 'EMAIL', 'gone@sync.example')];
    await MatchKeyModel.insertMany([
      { _id: stale[0], tenantId, entity: 'Contact', entityId: String(ana._id), kind: 'EMAIL', value: 'old@sync.example' },
      { _id: stale[1], tenantId, entity: 'Contact', entityId: gone, kind: 'EMAIL', value: 'gone@sync.example' },
    ]);
    await MatchKeyModel.deleteOne({ _id: expected[0] }); // a key lost: written again
    await syncMatchKeys(tenantId, 'Contact', [...ids, String(ana._id)]);
    expect(await keysOf()).toEqual(expected);
    expect(expected.length).toBeGreaterThanOrEqual(4);
  });
});
