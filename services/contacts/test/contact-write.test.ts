// createContact/updateContact: channels, employments, org chart, unique emails (also under concurrency).
import { topics } from '@crm/events';
import { readTopics } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { ContactModel } from '../src/modules/contact/contact.model';
import { FieldChangeModel } from '../src/modules/history/field-change.model';
import { UniqueKeyModel } from '../src/modules/shared/unique-key.model';
import { startContacts } from '../src/service';

const service = serviceUnderTest('contacts', startContacts);
const call = (identity: ReturnType<typeof testIdentity>, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);

const FIELDS = `id firstName lastName fullName email phone position department decisionMaker company { id }
  emails { type address primary } phones { type number primary } addresses { city country primary } messengers { kind handle }
  employments { company { id } role position department decisionMaker start end } reportsTo { id } source ownerId teamId territoryId industry tags customFields { key value }`;
const CREATE = `mutation ($input: CreateContactInput!) { createContact(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateContactInput!) { updateContact(id: $id, input: $input) { ${FIELDS} } }`;
const CREATE_COMPANY = `mutation ($input: CreateCompanyInput!) { createCompany(input: $input) { id } }`;

const company = async (identity: ReturnType<typeof testIdentity>, name: string): Promise<string> => dataOf(await call(identity, CREATE_COMPANY, { input: { name } })).createCompany.id;
const contact = async (identity: ReturnType<typeof testIdentity>, input: object) => dataOf(await call(identity, CREATE, { input })).createContact;

describe('createContact with every field', () => {
  it('normalises channels, keeps the old email/phone inputs as the primaries, and reflects the current employment', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const [globex, initech] = [await company(tenant, 'Globex'), await company(tenant, 'Initech')];
    const ada = await contact(tenant, {
      firstName: '  Ada  Augusta ',
      lastName: ' Lovelace ',
      email: ' Ada@Globex.COM ',
      emails: [{ type: 'PERSONAL', address: 'ada@home.example', primary: true }],
      phone: '030 1234567',
      phoneCountry: 'de',
      phones: [{ type: 'MOBILE', number: '+44 7911 123456' }],
      addresses: [{ city: 'London', country: 'gb' }],
      messengers: [{ kind: 'SIGNAL', handle: 'ada' }],
      companyId: globex,
      position: ' Head of  purchasing ',
      department: 'Purchasing',
      decisionMaker: true,
      employments: [{ companyId: initech, role: 'influencer', position: 'Buyer', start: '2019-01-01T00:00:00Z', end: '2023-06-30T00:00:00Z' }],
      source: 'WEB_FORM',
      teamId: 'team-uk',
      tags: ['vip'],
    });
    expect(ada).toMatchObject({
      firstName: 'Ada Augusta',
      lastName: 'Lovelace',
      fullName: 'Ada Augusta Lovelace',
      email: 'ada@globex.com',
      phone: '+49301234567',
      emails: [
        { type: 'WORK', address: 'ada@globex.com', primary: true },
        { type: 'PERSONAL', address: 'ada@home.example', primary: false },
      ],
      phones: [
        { type: 'WORK', number: '+49301234567', primary: true },
        { type: 'MOBILE', number: '+447911123456', primary: false },
      ],
      addresses: [{ city: 'London', country: 'GB', primary: true }],
      company: { id: globex },
      position: 'Head of purchasing',
      department: 'Purchasing',
      decisionMaker: true,
      employments: [
        { company: { id: globex }, position: 'Head of purchasing', decisionMaker: true, end: null },
        { company: { id: initech }, role: 'INFLUENCER', position: 'Buyer', decisionMaker: false, end: '2023-06-30T00:00:00.000Z' },
      ],
      source: 'WEB_FORM',
      tags: ['vip'],
    });
  });

  it("answers NOT_FOUND for another tenant's company in employments, and writes nothing", async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const foreign = await company(testIdentity(), 'Not yours');
    const answer = await call(tenant, CREATE, { input: { firstName: 'A', lastName: 'B', employments: [{ companyId: foreign }] } });
    expect(errorCodes(answer)).toEqual(['NOT_FOUND']);
    expect(await ContactModel.countDocuments({ tenantId: tenant.tenantId })).toBe(0);
  });

  it('refuses an employment that ends before it starts', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const acme = await company(tenant, 'Acme');
    const answer = await call(tenant, CREATE, { input: { firstName: 'A', lastName: 'B', employments: [{ companyId: acme, start: '2024-01-01T00:00:00Z', end: '2023-01-01T00:00:00Z' }] } });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'employments.0.end' });
  });
});

describe('employments on update', () => {
  it('a new companyId ends the current employment and starts one there; null ends it', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const [first, second] = [await company(tenant, 'First'), await company(tenant, 'Second')];
    const person = await contact(tenant, { firstName: 'Max', lastName: 'Muster', companyId: first, position: 'Buyer' });
    const moved = dataOf(await call(tenant, UPDATE, { id: person.id, input: { companyId: second, position: 'CFO', decisionMaker: true } })).updateContact;
    expect(moved).toMatchObject({ company: { id: second }, position: 'CFO', decisionMaker: true });
    expect(moved.employments).toMatchObject([
      { company: { id: second }, position: 'CFO', decisionMaker: true, end: null },
      { company: { id: first }, position: 'Buyer', end: expect.any(String) },
    ]);
    const promoted = dataOf(await call(tenant, UPDATE, { id: person.id, input: { department: 'Finance' } })).updateContact;
    expect(promoted.employments[0]).toMatchObject({ company: { id: second }, position: 'CFO', department: 'Finance' });
    const left = dataOf(await call(tenant, UPDATE, { id: person.id, input: { companyId: null } })).updateContact;
    expect(left).toMatchObject({ company: null, position: null, department: null, decisionMaker: false });
    expect(left.employments.every((employment: { end: string | null }) => employment.end !== null)).toBe(true);
  });
});

describe('the org chart', () => {
  it('takes a manager of the same tenant and refuses itself, cycles and strangers with BAD_USER_INPUT on reportsToId', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const ceo = await contact(tenant, { firstName: 'C', lastName: 'Eo' });
    const cfo = await contact(tenant, { firstName: 'C', lastName: 'Fo', reportsToId: ceo.id });
    const buyer = await contact(tenant, { firstName: 'B', lastName: 'Uyer', reportsToId: cfo.id });
    expect(buyer.reportsTo).toEqual({ id: cfo.id });
    const refused = async (id: string, reportsToId: string) => {
      const answer = await call(tenant, UPDATE, { id, input: { reportsToId } });
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reportsToId' });
    };
    await refused(ceo.id, ceo.id);
    await refused(ceo.id, buyer.id); // ceo -> buyer -> cfo -> ceo
    await refused(ceo.id, (await contact(testIdentity(), { firstName: 'S', lastName: 'Tranger' })).id);
    const stranger = await call(tenant, CREATE, { input: { firstName: 'X', lastName: 'Y', reportsToId: '0123456789abcdef01234567' } });
    expect(stranger.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reportsToId' });
    expect((await ContactModel.findById(ceo.id).lean())?.reportsTo).toBeNull();
    const reports = dataOf(await call(tenant, `query ($id: ID!) { contact(id: $id) { directReports { id } } }`, { id: cfo.id })).contact.directReports;
    expect(reports).toEqual([{ id: buyer.id }]);
  });
});

describe('unique emails', () => {
  it('answers CONFLICT naming the holder; an email given up is free for another contact', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const ada = await contact(tenant, { firstName: 'Ada', lastName: 'L', emails: [{ address: 'ada@globex.com' }, { address: 'a@globex.com' }] });
    const clash = await call(tenant, CREATE, { input: { firstName: 'Eve', lastName: 'X', email: 'A@Globex.com' } });
    expect(errorCodes(clash)).toEqual(['CONFLICT']);
    expect(clash.errors?.[0]?.extensions).toMatchObject({ existingId: ada.id, field: 'emails.0.address' });
    expect(await ContactModel.countDocuments({ tenantId: tenant.tenantId })).toBe(1);
    dataOf(await call(tenant, UPDATE, { id: ada.id, input: { emails: [{ address: 'ada@globex.com' }] } }));
    const eve = await contact(tenant, { firstName: 'Eve', lastName: 'X', email: 'a@globex.com' });
    expect(eve.email).toBe('a@globex.com');
    const steal = await call(tenant, UPDATE, { id: eve.id, input: { emails: [{ address: 'ada@globex.com' }] } });
    expect(steal.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', existingId: ada.id });
    expect((await ContactModel.findById(eve.id).lean())?.email).toBe('a@globex.com');
  });

  it('lets exactly one of many concurrent creates with the same email win', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => call(tenant, CREATE, { input: { firstName: `Twin${i}`, lastName: 'X', email: 'twin@example.com' } })));
    const won = answers.filter((answer) => !answer.errors);
    expect(won).toHaveLength(1);
    const winner = won[0]!.data.createContact.id;
    for (const answer of answers.filter((other) => other.errors)) expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', existingId: winner });
    expect(await ContactModel.countDocuments({ tenantId: tenant.tenantId })).toBe(1);
  });

  it('takes over a claim its holder no longer backs (a crash between write and release)', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const old = await contact(tenant, { firstName: 'Old', lastName: 'X', email: 'old@example.com' });
    // As if old had changed its email but crashed before releasing the claim.
    await ContactModel.updateOne({ _id: old.id }, { $set: { emails: [], email: null } });
    await UniqueKeyModel.updateOne({ _id: `${tenant.tenantId}|Contact|email|old@example.com` }, { $set: { claimedAt: new Date(Date.now() - 3_600_000) } });
    const heir = await contact(tenant, { firstName: 'New', lastName: 'X', email: 'old@example.com' });
    expect(heir.email).toBe('old@example.com');
  });
});

describe('updateContact', () => {
  it('publishes ContactUpdated with the changed fields, which the history records', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const reader = await readTopics([topics.contact]);
    try {
      const person = await contact(tenant, { firstName: 'Grace', lastName: 'Hopper', phones: [{ number: '+14155550132' }], tags: ['navy'] });
      const updated = dataOf(await call(tenant, UPDATE, { id: person.id, input: { lastName: 'Murray Hopper', phones: null, industry: 'Defence', tags: ['navy'] } })).updateContact;
      expect(updated).toMatchObject({ lastName: 'Murray Hopper', phone: null, phones: [], industry: 'Defence', tags: ['navy'] });
      const event = (await reader.waitFor((m) => m.key === person.id && m.event?.type === 'ContactUpdated')).event!;
      expect(event.data).toEqual({
        contactId: person.id,
        companyId: null,
        changes: [
          { field: 'lastName', from: 'Hopper', to: 'Murray Hopper' },
          { field: 'phone', from: '+14155550132', to: null },
          { field: 'phones', from: [{ type: 'WORK', number: '+14155550132', primary: true }], to: [] },
          { field: 'industry', from: null, to: 'Defence' },
        ],
      });
      const history = await waitFor(async () => {
        const rows = await FieldChangeModel.find({ tenantId: tenant.tenantId, entity: 'Contact', entityId: person.id }).sort({ at: -1 }).lean();
        return rows.length === 4 && rows;
      }, { what: 'the contact history' });
      expect(history.map((row) => [row.field, row.actorId]).sort()).toEqual([['industry', tenant.userId], ['lastName', tenant.userId], ['phone', tenant.userId], ['phones', tenant.userId]]);
    } finally {
      await reader.close();
    }
  });

  it("answers NOT_FOUND for another tenant's contact", async () => {
    const person = await contact(testIdentity(), { firstName: 'P', lastName: 'Q' });
    expect(errorCodes(await call(testIdentity(), UPDATE, { id: person.id, input: { firstName: 'Stolen' } }))).toEqual(['NOT_FOUND']);
    expect((await ContactModel.findById(person.id).lean())?.firstName).toBe('P');
  });
});
