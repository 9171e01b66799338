import { createHash } from 'node:crypto';
import { topics } from '@crm/events';
import { readTopics, type TopicReader } from '@crm/messaging/testing';
import { createLogger } from '@crm/service-kit';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import mongoose, { Types } from 'mongoose';
import { CompanyModel } from '../src/modules/company/company.model';
import { ContactModel } from '../src/modules/contact/contact.model';
import { MatchKeyModel } from '../src/modules/duplicate/match-key.model';
import { mergeJournalId, MergeJournalModel } from '../src/modules/merge/merge-journal.model';
import { resumeMerges } from '../src/modules/merge/resume-merges';
import { uniqueKeyId } from '../src/modules/merge/unique-claims';
import { startContacts } from '../src/service';
import { email, phone, seedCompany, seedContact } from './merge-fixtures';

const COMPANY = `id name website taxId industry tags riskFlags mergedIds
  phones { number primary } emails { address primary } addresses { type city primary } messengers { kind handle }
  customFields { key value } profile { mainCustomers competitors litigation { caseNumber } paymentTerms { days } }`;
const MERGE_COMPANIES = `mutation ($ids: [ID!]!, $primaryId: ID!, $dryRun: Boolean) { mergeCompanies(ids: $ids, primaryId: $primaryId, dryRun: $dryRun) { ${COMPANY} } }`;
const COMPANY_QUERY = `query ($id: ID!) { company(id: $id) { ${COMPANY} contacts { id } } }`;
const CONTACT = `id fullName email phone mergedIds emails { address primary } phones { number primary } tags
  company { id } employments { company { id } position } reportsTo { id }`;
const MERGE_CONTACTS = `mutation ($ids: [ID!]!, $primaryId: ID!, $dryRun: Boolean) { mergeContacts(ids: $ids, primaryId: $primaryId, dryRun: $dryRun) { ${CONTACT} } }`;
const CONTACT_QUERY = `query ($id: ID!) { contact(id: $id) { ${CONTACT} } }`;

const service = serviceUnderTest('contacts', startContacts);
type User = ReturnType<typeof testIdentity>;
const call = (identity: User, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);
const db = () => mongoose.connection.db!; // the driver itself: these test reads are not the service's queries
const id = (doc: { _id: Types.ObjectId }) => doc._id.toString();

/** A digest of everything stored for a tenant (read through the driver, in a stable order). */
async function tenantDigest(tenantId: string): Promise<string> {
  const hash = createHash('sha256');
  for (const name of ['companies', 'contacts', 'match_keys', 'merges', 'unique_keys', 'field_changes']) {
    const docs = await db().collection(name).find({ tenantId } as any).sort({ _id: 1 }).toArray();
    hash.update(name).update(JSON.stringify(docs));
  }
  return hash.digest('hex');
}

/** Waits until the tenant's events are sent and the keys of the `keyed` records (those with any) indexed: nothing moves in the background any more. */
async function settled(tenantId: string, keyed: number): Promise<void> {
  await waitFor(
    async () =>
      (await db().collection('companies').countDocuments({ tenantId, outboxPending: true })) === 0 &&
      (await db().collection('contacts').countDocuments({ tenantId, outboxPending: true })) === 0 &&
      new Set((await db().collection('match_keys').find({ tenantId }).toArray()).map((key) => key.entityId)).size === keyed,
    { what: 'events sent and keys indexed' },
  );
}

const claim = (tenantId: string, entity: 'Company' | 'Contact', kind: 'email' | 'taxId', value: string, entityId: string) =>
  db().collection<{ _id: string }>('unique_keys').insertOne({ _id: uniqueKeyId(tenantId, entity, kind, value), tenantId, entityId } as any);
const claimOwner = async (tenantId: string, entity: 'Company' | 'Contact', kind: 'email' | 'taxId', value: string) =>
  (await db().collection<{ _id: string; entityId: string }>('unique_keys').findOne({ _id: uniqueKeyId(tenantId, entity, kind, value) }))?.entityId;

/** Three Acme records of one tenant, with people at two of them, as an import and a web form would leave them. */
async function acmeTriplet(tenantId: string) {
  const primary = await seedCompany(tenantId, {
    name: 'Acme Trading',
    industry: 'Wholesale',
    phones: [phone('+493011111111', true)],
    emails: [email('info@acme-trading.com', true)],
    addresses: [{ type: 'LEGAL', city: 'Berlin', primary: true }],
    tags: ['key-account'],
    customFields: { vatGroup: 'A' },
    profile: { mainCustomers: ['Metro'], competitors: ['Globex'], shareholders: [], litigation: [] },
  });
  const gmbh = await seedCompany(tenantId, {
    name: 'Acme Trading GmbH',
    industry: 'Retail',
    taxId: 'DE123456789',
    phones: [phone('+493011111111'), phone('+493022222222', true)],
    emails: [email('sales@acme-trading.com', true)],
    addresses: [{ type: 'OFFICE', city: 'Hamburg', primary: true }],
    messengers: [{ kind: 'TELEGRAM', handle: '@acmetrading' }],
    tags: ['Key-Account', 'import'],
    customFields: { vatGroup: 'B', region: 'North' },
    profile: { mainCustomers: ['metro', 'Rewe'], competitors: [], shareholders: [], litigation: [{ caseNumber: '12 O 345/24', role: 'PLAINTIFF', status: 'OPEN' }], paymentTerms: { days: 30 } },
    riskFlags: ['LITIGATION'],
  });
  const short = await seedCompany(tenantId, { name: 'ACME', website: 'https://acme-trading.com', domain: 'acme-trading.com' });
  const elsewhere = await seedCompany(tenantId, { name: 'Globex' });
  const buyer = await seedContact(tenantId, { firstName: 'Bea', lastName: 'Buyer', companyId: gmbh._id, employments: [{ companyId: gmbh._id, position: 'Buyer', decisionMaker: false }] });
  const formerly = await seedContact(tenantId, {
    firstName: 'Fred',
    lastName: 'Former',
    companyId: elsewhere._id,
    employments: [
      { companyId: short._id, position: 'Sales', decisionMaker: false },
      { companyId: elsewhere._id, position: 'Head of sales', decisionMaker: true },
    ],
  });
  const own = await seedContact(tenantId, { firstName: 'Olga', lastName: 'Own', companyId: primary._id, employments: [{ companyId: primary._id, position: 'CEO', decisionMaker: true }] });
  await claim(tenantId, 'Company', 'taxId', 'DE123456789', id(gmbh));
  return { primary, gmbh, short, elsewhere, buyer, formerly, own, request: { ids: [id(gmbh), id(primary), id(short)], primaryId: id(primary) } };
}

/** What merging the triplet gives, whether computed (dry run) or done. */
const mergedAcme = (acme: Awaited<ReturnType<typeof acmeTriplet>>) => ({
  id: id(acme.primary),
  name: 'Acme Trading',
  website: 'https://acme-trading.com',
  taxId: 'DE123456789',
  industry: 'Wholesale',
  tags: ['key-account', 'import'],
  riskFlags: ['LITIGATION'],
  mergedIds: [id(acme.gmbh), id(acme.short)],
  phones: [{ number: '+493011111111', primary: true }, { number: '+493022222222', primary: false }],
  emails: [{ address: 'info@acme-trading.com', primary: true }, { address: 'sales@acme-trading.com', primary: false }],
  addresses: [{ type: 'LEGAL', city: 'Berlin', primary: true }, { type: 'OFFICE', city: 'Hamburg', primary: false }],
  messengers: [{ kind: 'TELEGRAM', handle: '@acmetrading' }],
  customFields: [{ key: 'region', value: 'North' }, { key: 'vatGroup', value: 'A' }],
  profile: { mainCustomers: ['Metro', 'Rewe'], competitors: ['Globex'], litigation: [{ caseNumber: '12 O 345/24' }], paymentTerms: { days: 30 } },
});

let reader: TopicReader;
beforeAll(async () => {
  reader = await readTopics([topics.company, topics.contact]);
});
afterAll(() => reader.close());

// Admins: the seeded records have no owner, and a merge needs update and delete rights on them (rights.e2e).
describe('mergeCompanies', () => {
  it('a dry run shows the merged company and writes nothing', async () => {
    const user = testIdentity(undefined, ['admin']);
    const acme = await acmeTriplet(user.tenantId);
    await settled(user.tenantId, 3); // the three Acme records have keys; Globex and the people none
    const before = await tenantDigest(user.tenantId);
    const { mergeCompanies } = dataOf(await call(user, MERGE_COMPANIES, { ...acme.request, dryRun: true }));
    expect(mergeCompanies).toEqual(mergedAcme(acme));
    expect(await tenantDigest(user.tenantId)).toBe(before);
    expect(reader.messages.some((m) => m.event?.type === 'CompaniesMerged' && m.event.tenantId === user.tenantId)).toBe(false);
  });

  it('keeps every channel, link and claim, moves the people and publishes CompaniesMerged; a second call converges', async () => {
    const user = testIdentity(undefined, ['admin']);
    const acme = await acmeTriplet(user.tenantId);
    const { mergeCompanies } = dataOf(await call(user, MERGE_COMPANIES, acme.request));
    expect(mergeCompanies).toEqual(mergedAcme(acme));

    const { company } = dataOf(await call(user, COMPANY_QUERY, { id: id(acme.primary) }));
    expect(company.contacts.map((contact: any) => contact.id).sort()).toEqual([id(acme.buyer), id(acme.own)].sort());
    for (const merged of [acme.gmbh, acme.short]) expect(dataOf(await call(user, COMPANY_QUERY, { id: id(merged) })).company).toBeNull();
    const buyer = dataOf(await call(user, CONTACT_QUERY, { id: id(acme.buyer) })).contact;
    expect(buyer).toMatchObject({ company: { id: id(acme.primary) }, employments: [{ company: { id: id(acme.primary) }, position: 'Buyer' }] });
    const formerly = dataOf(await call(user, CONTACT_QUERY, { id: id(acme.formerly) })).contact;
    expect(formerly).toMatchObject({
      company: { id: id(acme.elsewhere) },
      employments: [{ company: { id: id(acme.primary) }, position: 'Sales' }, { company: { id: id(acme.elsewhere) }, position: 'Head of sales' }],
    });
    expect(await claimOwner(user.tenantId, 'Company', 'taxId', 'DE123456789')).toBe(id(acme.primary));
    expect(await MergeJournalModel.findById(mergeJournalId(user.tenantId, 'Company', id(acme.primary), [id(acme.gmbh), id(acme.short)])).lean()).toMatchObject({ pending: false });

    const merged = await reader.waitFor((m) => m.event?.type === 'CompaniesMerged' && m.event.tenantId === user.tenantId, 'CompaniesMerged');
    expect(merged.event).toMatchObject({ aggregateId: id(acme.primary), actorId: user.userId, data: { primaryId: id(acme.primary), mergedIds: [id(acme.gmbh), id(acme.short)] } });
    const moved = await reader.waitFor((m) => m.event?.type === 'ContactUpdated' && m.event.aggregateId === id(acme.buyer), "the buyer's move");
    expect((moved.event!.data as any).changes.map((change: any) => change.field)).toEqual(['companyId', 'employments']);
    const updated = await reader.waitFor((m) => m.event?.type === 'CompanyUpdated' && m.event.aggregateId === id(acme.primary), "the primary's changes");
    expect((updated.event!.data as any).changes.map((change: any) => change.field)).toEqual(expect.arrayContaining(['phones', 'emails', 'taxId', 'riskFlags', 'customFields.region', 'profile.mainCustomers']));
    expect((updated.event!.data as any).reason).toBe('MERGE');
    // The merged-in flag in its own event, as an update publishes it: deals gates concessions on it.
    const flags = await reader.waitFor((m) => m.event?.type === 'CompanyRiskFlagsChanged' && m.event.aggregateId === id(acme.primary), "the primary's risk flags");
    expect(flags.event!.data).toEqual({ companyId: id(acme.primary), riskFlags: ['LITIGATION'] });

    // The merged companies' keys leave the index: they are no longer anyone's duplicates.
    await waitFor(async () => (await MatchKeyModel.countDocuments({ tenantId: user.tenantId, entity: 'Company', entityId: { $in: [id(acme.gmbh), id(acme.short)] } })) === 0, {
      what: "the merged companies' keys removed",
    });

    // The same call again: nothing left to do, nothing written, the same company.
    const primaryBefore = await CompanyModel.findById(acme.primary._id).lean();
    expect(dataOf(await call(user, MERGE_COMPANIES, acme.request)).mergeCompanies).toEqual(mergedAcme(acme));
    expect(await CompanyModel.findById(acme.primary._id).lean()).toEqual(primaryBefore);
  });

  it('finishes a merge that a crash interrupted, on the next call or at start', async () => {
    const user = testIdentity(undefined, ['admin']);
    for (const resume of ['call', 'start'] as const) {
      const primary = await seedCompany(user.tenantId, { name: `Primary ${resume}`, tags: ['a'] });
      const other = await seedCompany(user.tenantId, { name: `Other ${resume}`, tags: ['b'] });
      const person = await seedContact(user.tenantId, { firstName: 'Paul', lastName: resume, companyId: other._id, employments: [{ companyId: other._id, decisionMaker: false }] });
      // The crash came after the primary took the merge (step 4) and before anything else was done.
      await CompanyModel.updateOne({ _id: primary._id }, { $set: { tags: ['a', 'b'], mergedIds: [id(other)] } });
      await MergeJournalModel.create({ _id: mergeJournalId(user.tenantId, 'Company', id(primary), [id(other)]), tenantId: user.tenantId, entity: 'Company', primaryId: id(primary), mergedIds: [id(other)], pending: true, startedAt: new Date() });

      if (resume === 'call') dataOf(await call(user, MERGE_COMPANIES, { ids: [id(primary), id(other)], primaryId: id(primary) }));
      else expect(await resumeMerges(createLogger('test', 'silent'))).toBeGreaterThanOrEqual(1);

      expect(await CompanyModel.countDocuments({ tenantId: user.tenantId, _id: other._id })).toBe(0);
      expect((await ContactModel.findById(person._id).lean())?.companyId?.toString()).toBe(id(primary));
      expect((await CompanyModel.findById(primary._id).lean())?.tags).toEqual(['a', 'b']);
      expect(await MergeJournalModel.countDocuments({ _id: mergeJournalId(user.tenantId, 'Company', id(primary), [id(other)]), pending: false })).toBe(1);
    }
  });

  it("recomputes the primary's completeness from what it took, and publishes the change as an update does", async () => {
    const user = testIdentity(undefined, ['admin']);
    const CREATE = `mutation ($input: CreateCompanyInput!) { createCompany(input: $input) { id completeness { percent missing } } }`;
    // The default required set: name, industry, taxId, phones, addresses, profile.paymentTerms, profile.solvency.
    const a = dataOf(await call(user, CREATE, { input: { name: 'Alpha', phones: [{ number: '+493011111111' }] } })).createCompany;
    const b = dataOf(await call(user, CREATE, { input: { name: 'Alpha GmbH', industry: 'Retail', taxId: 'DE111222333' } })).createCompany;
    expect(a.completeness).toEqual({ percent: 28.5, missing: ['industry', 'taxId', 'addresses', 'profile.paymentTerms', 'profile.solvency'] });

    dataOf(await call(user, MERGE_COMPANIES, { ids: [a.id, b.id], primaryId: a.id }));
    const expected = { percent: 57.1, missing: ['addresses', 'profile.paymentTerms', 'profile.solvency'] };
    const { company } = dataOf(await call(user, `query ($id: ID!) { company(id: $id) { industry taxId completeness { percent missing } } }`, { id: a.id }));
    expect(company).toEqual({ industry: 'Retail', taxId: 'DE111222333', completeness: expected });
    const published = await reader.waitFor((m) => m.event?.type === 'CompanyCompletenessChanged' && m.event.aggregateId === a.id && (m.event.data as any).percent === expected.percent, "the primary's new completeness");
    expect(published.event?.data).toEqual({ companyId: a.id, ...expected });
  });

  it('raises the revision of the primary and of the people it repoints: an edit read before the merge fails its revision check instead of writing over it', async () => {
    const user = testIdentity(undefined, ['admin']);
    const { tenantId } = user;
    const primary = await seedCompany(tenantId, { name: 'Beta', phones: [phone('+493033333333', true)] });
    const other = await seedCompany(tenantId, { name: 'Beta AG', phones: [phone('+493044444444', true)] });
    const person = await seedContact(tenantId, { firstName: 'Pia', lastName: 'Person', companyId: other._id, employments: [{ companyId: other._id, decisionMaker: false }] });
    // As updateCompany and updateContact read them, before the merge...
    const companyRead = (await CompanyModel.findById(primary._id).lean())!;
    const personRead = (await ContactModel.findById(person._id).lean())!;
    dataOf(await call(user, MERGE_COMPANIES, { ids: [id(primary), id(other)], primaryId: id(primary) }));
    // ...their writes, conditional on the revision read (changeCompany, changeContact), match nothing now: they read again.
    const asRead = (read: { _id: Types.ObjectId; revision?: number }) => ({ _id: read._id, tenantId, revision: read.revision ?? null });
    expect((await CompanyModel.updateOne(asRead(companyRead), { $set: { phones: companyRead.phones }, $inc: { revision: 1 } })).matchedCount).toBe(0);
    expect((await ContactModel.updateOne(asRead(personRead), { $set: { companyId: personRead.companyId }, $inc: { revision: 1 } })).matchedCount).toBe(0);
    const company = (await CompanyModel.findById(primary._id).lean())!;
    expect(company.phones.map((entry) => entry.number)).toEqual(['+493033333333', '+493044444444']);
    expect(company.revision).toBe((companyRead.revision ?? 0) + 1);
    expect((await ContactModel.findById(person._id).lean())!).toMatchObject({ companyId: primary._id, revision: (personRead.revision ?? 0) + 1 });

    // The same for a merge of people: the primary and the direct reports it repoints.
    const anna = await seedContact(tenantId, { firstName: 'Anna', lastName: 'Schmidt', emails: [email('anna@beta.de', true)] });
    const twin = await seedContact(tenantId, { firstName: 'A.', lastName: 'Schmidt', emails: [email('anna.schmidt@beta.de', true)] });
    const report = await seedContact(tenantId, { firstName: 'Rita', lastName: 'Report', reportsTo: twin._id });
    const [annaRead, reportRead] = [(await ContactModel.findById(anna._id).lean())!, (await ContactModel.findById(report._id).lean())!];
    dataOf(await call(user, MERGE_CONTACTS, { ids: [id(anna), id(twin)], primaryId: id(anna) }));
    expect((await ContactModel.updateOne(asRead(annaRead), { $set: { emails: annaRead.emails }, $inc: { revision: 1 } })).matchedCount).toBe(0);
    expect((await ContactModel.updateOne(asRead(reportRead), { $set: { reportsTo: reportRead.reportsTo }, $inc: { revision: 1 } })).matchedCount).toBe(0);
    expect((await ContactModel.findById(anna._id).lean())!.emails.map((entry) => entry.address)).toEqual(['anna@beta.de', 'anna.schmidt@beta.de']);
    expect((await ContactModel.findById(report._id).lean())!.reportsTo?.toString()).toBe(id(anna));
  });

  it('refuses bad requests and other tenants’ ids, changing nothing', async () => {
    const user = testIdentity(undefined, ['admin']);
    const mallory = testIdentity(undefined, ['admin']);
    const a = await seedCompany(user.tenantId, { name: 'A' });
    const b = await seedCompany(user.tenantId, { name: 'B' });
    const theirs = await seedCompany(mallory.tenantId, { name: 'Theirs' });
    const unknown = new Types.ObjectId().toString();
    const cases: [object, string][] = [
      [{ ids: [id(a)], primaryId: id(a) }, 'BAD_USER_INPUT'],
      [{ ids: [id(a), id(b)], primaryId: unknown }, 'BAD_USER_INPUT'],
      [{ ids: [id(a), id(b), id(b)], primaryId: id(a) }, 'BAD_USER_INPUT'],
      [{ ids: [id(a), 'nope'], primaryId: id(a) }, 'BAD_USER_INPUT'],
      [{ ids: [id(a), ...Array.from({ length: 10 }, () => new Types.ObjectId().toString())], primaryId: id(a) }, 'BAD_USER_INPUT'],
      [{ ids: [id(a), id(theirs)], primaryId: id(a) }, 'NOT_FOUND'],
      [{ ids: [id(a), unknown], primaryId: id(a) }, 'NOT_FOUND'],
    ];
    for (const [request, code] of cases) expect([request, errorCodes(await call(user, MERGE_COMPANIES, request))]).toEqual([request, [code]]);
    // Mallory cannot merge the tenant's companies, nor into hers.
    expect(errorCodes(await call(mallory, MERGE_COMPANIES, { ids: [id(a), id(b)], primaryId: id(a) }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(mallory, MERGE_COMPANIES, { ids: [id(theirs), id(b)], primaryId: id(theirs) }))).toEqual(['NOT_FOUND']);
    expect(await CompanyModel.countDocuments({ tenantId: user.tenantId, _id: { $in: [a._id, b._id] }, mergedIds: { $size: 0 } })).toBe(2);
    expect(await CompanyModel.countDocuments({ tenantId: mallory.tenantId, _id: theirs._id, mergedIds: { $size: 0 } })).toBe(1);
  });
});

describe('mergeContacts', () => {
  it('keeps every channel and link, repoints direct reports without a cycle, moves the email claims', async () => {
    const user = testIdentity(undefined, ['admin']);
    const { tenantId } = user;
    const company = await seedCompany(tenantId, { name: 'Acme' });
    const primary = await seedContact(tenantId, { firstName: 'Anna', lastName: 'Schmidt', emails: [email('anna@acme.de', true)], phones: [phone('+4915111111111', true)], tags: ['vip'] });
    const other = await seedContact(tenantId, {
      firstName: 'A.',
      lastName: 'Schmidt',
      emails: [email('anna.schmidt@gmail.com', true)],
      phones: [phone('+4915111111111'), phone('+4915122222222', true)],
      companyId: company._id,
      position: 'Buyer',
      employments: [{ companyId: company._id, position: 'Buyer', decisionMaker: true }],
      tags: ['newsletter'],
    });
    const report = await seedContact(tenantId, { firstName: 'Rita', lastName: 'Report', reportsTo: other._id });
    // Anna's manager reported to her duplicate: after the merge he would report to Anna, who reports to him.
    const boss = await seedContact(tenantId, { firstName: 'Bob', lastName: 'Boss', reportsTo: other._id });
    await ContactModel.updateOne({ _id: primary._id }, { $set: { reportsTo: boss._id } });
    await claim(tenantId, 'Contact', 'email', 'anna.schmidt@gmail.com', id(other));
    const request = { ids: [id(primary), id(other)], primaryId: id(primary) };

    const expected = {
      id: id(primary),
      fullName: 'Anna Schmidt',
      email: 'anna@acme.de',
      phone: '+4915111111111',
      mergedIds: [id(other)],
      emails: [{ address: 'anna@acme.de', primary: true }, { address: 'anna.schmidt@gmail.com', primary: false }],
      phones: [{ number: '+4915111111111', primary: true }, { number: '+4915122222222', primary: false }],
      tags: ['vip', 'newsletter'],
      company: { id: id(company) },
      employments: [{ company: { id: id(company) }, position: 'Buyer' }],
      reportsTo: { id: id(boss) },
    };
    expect(dataOf(await call(user, MERGE_CONTACTS, { ...request, dryRun: true })).mergeContacts).toEqual(expected);
    expect(await ContactModel.countDocuments({ tenantId, _id: other._id })).toBe(1);
    expect(dataOf(await call(user, MERGE_CONTACTS, request)).mergeContacts).toEqual(expected);

    expect(dataOf(await call(user, CONTACT_QUERY, { id: id(other) })).contact).toBeNull();
    expect(dataOf(await call(user, CONTACT_QUERY, { id: id(report) })).contact.reportsTo).toEqual({ id: id(primary) });
    expect(dataOf(await call(user, CONTACT_QUERY, { id: id(boss) })).contact.reportsTo).toBeNull();
    expect(await claimOwner(tenantId, 'Contact', 'email', 'anna.schmidt@gmail.com')).toBe(id(primary));
    const merged = await reader.waitFor((m) => m.event?.type === 'ContactsMerged' && m.event.tenantId === tenantId, 'ContactsMerged');
    expect(merged.event?.data).toEqual({ primaryId: id(primary), mergedIds: [id(other)] });

    expect(dataOf(await call(user, MERGE_CONTACTS, request)).mergeContacts).toEqual(expected);
    const mallory = testIdentity(undefined, ['admin']);
    expect(errorCodes(await call(mallory, MERGE_CONTACTS, { ids: [id(primary), id(report)], primaryId: id(primary) }))).toEqual(['NOT_FOUND']);
  });
});
