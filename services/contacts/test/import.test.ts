import type { Identity } from '@crm/auth';
import { topics } from '@crm/events';
import { readTopics } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { CompanyModel } from '../src/modules/company/company.model';
import { ContactModel } from '../src/modules/contact/contact.model';
import { UploadChunkModel } from '../src/modules/upload/upload.model';
import { startContacts } from '../src/service';
import { csvOf, finishedJob, importJob, startImport, uploadToService, xlsxOf } from './import-helpers';

const service = serviceUnderTest('contacts', (env) => startContacts({ ...env, IMPORT_BATCH_SIZE: '3', IMPORT_POLL_MS: '200', UPLOAD_MAX_BYTES: String(600 * 1024) }));

const PEOPLE = [
  ['Company', 'Full name', 'Phone', 'Email', 'Position', 'Segment'],
  ['Nordwind Logistik GmbH', 'Anna Schmidt', '030 1234567', 'Anna.Schmidt@Nordwind.example ', 'Head of purchasing', 'gold'],
  ['Nordwind Logistik GmbH', 'Meyer, Jonas', '+49 30 7654321', 'jonas.meyer@nordwind.example', 'Buyer', null],
  ['Cleanwell Facilities', 'Maria Ortega', 'not a phone', 'maria@cleanwell.example', 'COO', null],
  ['Cleanwell Facilities', 'Pedro Alvarez', '+34 612 345 678', 'no-at-sign', 'CFO', null],
  ['Sunrise Language School', 'Lena Park', null, 'anna.schmidt@nordwind.example', 'Director', null],
  ['Sunrise Language School', 'Tom Becker', '+49 171 2345678', 'tom@sunrise.example', 'Teacher', 'silver'],
];
const MAPPING = [
  { column: 'Company', field: 'company.name' },
  { column: 'Full name', field: 'fullName' },
  { column: 'Phone', field: 'phone' },
  { column: 'Email', field: 'email' },
  { column: 'Position', field: 'position' },
  { column: 'Segment', field: 'customFields.segment' },
];

const DEFINE = `mutation ($input: DefineCustomFieldInput!) { defineCustomField(input: $input) { id } }`;
/** Defines a custom field in the identity's tenant (as an admin of it); answers its id. */
const define = async (identity: Identity, input: object) => dataOf(await subgraphRequest(service.url, testIdentity(identity.tenantId, ['admin']), DEFINE, { input })).defineCustomField.id as string;
/** The contacts' `segment` custom field MAPPING fills. */
const defineSegment = (identity: Identity) => define(identity, { key: 'segment', label: 'Segment', entity: 'CONTACT', type: 'TEXT' });

describe('import from an uploaded spreadsheet', () => {
  it('imports a CSV: contacts and their companies, normalised, with a report per row and column, de-duplicated within the file', async () => {
    const alice = testIdentity(undefined, ['manager']);
    await defineSegment(alice);
    const upload = await uploadToService(service.url, alice, csvOf(PEOPLE));
    expect(upload).toMatchObject({ status: 201, body: { format: 'CSV' } });
    const started = dataOf(await startImport(service.url, alice, { uploadId: upload.body.uploadId, mapping: MAPPING, defaultCountry: 'DE' })).startImport;
    expect(started).toMatchObject({ status: 'QUEUED', entity: 'CONTACT', dryRun: false, format: 'CSV' });
    const job = await finishedJob(service.url, alice, started.id);
    expect(job).toMatchObject({ status: 'DONE', total: 6, processed: 6, created: 3, updated: 0, skipped: 1, failed: 2, companiesCreated: 2, errorCount: 3 });
    expect(job.errors).toEqual([
      { row: 4, column: 'Phone', message: expect.stringMatching(/phone/) },
      { row: 5, column: 'Email', message: expect.stringMatching(/email/) },
      { row: 6, column: 'Email', message: 'duplicate: the same email as row 2; skipped' },
    ]);
    const anna = await ContactModel.findOne({ tenantId: alice.tenantId, email: 'anna.schmidt@nordwind.example' }).lean();
    expect(anna).toMatchObject({ firstName: 'Anna', lastName: 'Schmidt', phone: '+49301234567', position: 'Head of purchasing', source: 'IMPORT', customFields: { segment: 'gold' } });
    const jonas = await ContactModel.findOne({ tenantId: alice.tenantId, email: 'jonas.meyer@nordwind.example' }).lean();
    expect(jonas).toMatchObject({ firstName: 'Jonas', lastName: 'Meyer', phone: '+49307654321' });
    expect(String(jonas!.companyId)).toBe(String(anna!.companyId));
    const companies = await CompanyModel.find({ tenantId: alice.tenantId, nameKey: { $in: ['nordwind logistik gmbh', 'cleanwell facilities', 'sunrise language school'] } }).lean();
    // Cleanwell's two rows were refused: nothing names it, so it is not created.
    expect(companies.map((company) => company.name).sort()).toEqual(['Nordwind Logistik GmbH', 'Sunrise Language School']);
    expect(companies.every((company) => company.source === 'IMPORT' && company.ownerId === alice.userId && company.outboxPending !== undefined)).toBe(true);
    // Through the API as any other record.
    const { contact } = dataOf(await subgraphRequest(service.url, alice, `query ($id: ID!) { contact(id: $id) { fullName email company { name } } }`, { id: String(anna!._id) }));
    expect(contact).toEqual({ fullName: 'Anna Schmidt', email: 'anna.schmidt@nordwind.example', company: { name: 'Nordwind Logistik GmbH' } });
  });

  it('imports an XLSX file, matching the tenant\'s existing contacts and companies (completing them) instead of duplicating them', async () => {
    const bob = testIdentity(undefined, ['manager']);
    await defineSegment(bob);
    const existing = dataOf(await subgraphRequest(service.url, bob, `mutation { createCompany(input: { name: "Nordwind Logistik GmbH", taxId: "DE123456789" }) { id } }`)).createCompany;
    const known = dataOf(
      await subgraphRequest(service.url, bob, `mutation { createContact(input: { firstName: "Anna", lastName: "Schmidt", email: "anna.schmidt@nordwind.example" }) { id } }`),
    ).createContact;
    const upload = await uploadToService(service.url, bob, await xlsxOf(PEOPLE), 'people.xlsx');
    expect(upload).toMatchObject({ status: 201, body: { format: 'XLSX' } });
    const started = dataOf(await startImport(service.url, bob, { uploadId: upload.body.uploadId, mapping: MAPPING, format: 'XLSX', defaultCountry: 'DE' })).startImport;
    const job = await finishedJob(service.url, bob, started.id);
    // Anna exists: her blanks (phone, position, company, segment) are filled in; Lena's row has Anna's email: a duplicate.
    expect(job).toMatchObject({ status: 'DONE', total: 6, created: 2, updated: 1, skipped: 1, failed: 2, companiesCreated: 1 });
    const anna = await ContactModel.findOne({ _id: known.id, tenantId: bob.tenantId }).lean();
    expect(anna).toMatchObject({ phone: '+49301234567', position: 'Head of purchasing', customFields: { segment: 'gold' } });
    expect(String(anna!.companyId)).toBe(existing.id);
    expect(await ContactModel.countDocuments({ tenantId: bob.tenantId, email: 'anna.schmidt@nordwind.example' })).toBe(1);
    expect(await CompanyModel.countDocuments({ tenantId: bob.tenantId, nameKey: 'nordwind logistik gmbh' })).toBe(1);
  });

  it('a dry run reports the same and writes nothing', async () => {
    const carol = testIdentity(undefined, ['manager']);
    await defineSegment(carol);
    const upload = await uploadToService(service.url, carol, csvOf(PEOPLE));
    const started = dataOf(await startImport(service.url, carol, { uploadId: upload.body.uploadId, mapping: MAPPING, dryRun: true, defaultCountry: 'DE' })).startImport;
    const job = await finishedJob(service.url, carol, started.id);
    expect(job).toMatchObject({ status: 'DONE', dryRun: true, created: 3, skipped: 1, failed: 2, companiesCreated: 2, errorCount: 3 });
    expect(job.errors.map((error: { row: number }) => error.row)).toEqual([4, 5, 6]);
    expect(await ContactModel.countDocuments({ tenantId: carol.tenantId })).toBe(0);
    expect(await CompanyModel.countDocuments({ tenantId: carol.tenantId })).toBe(0);
  });

  it('imports companies, de-duplicated by tax id and by name plus web domain', async () => {
    const dave = testIdentity(undefined, ['manager']);
    dataOf(await subgraphRequest(service.url, dave, `mutation { createCompany(input: { name: "Acme Trading", website: "acme.example" }) { id } }`));
    const rows = [
      ['Name', 'Website', 'Tax id', 'Industry'],
      ['Acme Trading', 'https://www.acme.example', null, 'Wholesale'],
      ['Borealis AG', null, 'CH-100.200.300', 'Energy'],
      ['Borealis Energy AG', null, 'CH-100.200.300', null],
      ['Cobalt Ltd', 'cobalt.example', null, null],
      ['Cobalt Ltd', 'other-cobalt.example', null, null],
    ];
    const upload = await uploadToService(service.url, dave, csvOf(rows));
    const mapping = [
      { column: 'Name', field: 'name' },
      { column: 'Website', field: 'website' },
      { column: 'Tax id', field: 'taxId' },
      { column: 'Industry', field: 'industry' },
    ];
    const started = dataOf(await startImport(service.url, dave, { uploadId: upload.body.uploadId, mapping })).startImport;
    expect(started.entity).toBe('COMPANY');
    const job = await finishedJob(service.url, dave, started.id);
    expect(job).toMatchObject({ status: 'DONE', created: 3, updated: 1, skipped: 1, failed: 0 });
    expect(job.errors).toEqual([{ row: 4, column: 'Tax id', message: 'duplicate: the same company as row 3; skipped' }]);
    const acme = await CompanyModel.find({ tenantId: dave.tenantId, nameKey: 'acme trading' }).lean();
    expect(acme).toHaveLength(1);
    expect(acme[0]).toMatchObject({ industry: 'Wholesale' });
    expect(await CompanyModel.countDocuments({ tenantId: dave.tenantId, nameKey: 'cobalt ltd' })).toBe(2);
  });

  it('imports company addresses and places each company in the territory its address names, unless the row names one', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const TERRITORY = `mutation ($input: CreateTerritoryInput!) { createTerritory(input: $input) { id } }`;
    const add = async (kind: string, code: string, name: string, parentId?: string) =>
      dataOf(await subgraphRequest(service.url, admin, TERRITORY, { input: { kind, code, name, parentId } })).createTerritory.id as string;
    const de = await add('COUNTRY', 'DE', 'Germany');
    const bavaria = await add('REGION', 'DE-BY', 'Bavaria', de);
    const munich = await add('CITY', 'DE-BY-MUC', 'Munich', bavaria);
    const hamburg = await add('CITY', 'DE-HH-HAM', 'Hamburg', await add('REGION', 'DE-HH', 'Hamburg', de));
    const rows = [
      ['Name', 'Street', 'Zip', 'City', 'Country', 'Territory'],
      ['Isar Clean GmbH', 'Leopoldstr. 1', '80802', 'Munich', 'de', null],
      ['Alster Facility GmbH', null, null, 'hamburg', 'DE', null],
      ['Named Territory GmbH', null, null, 'Munich', 'DE', hamburg],
      ['Nowhere GmbH', null, null, 'Paris', 'FR', null],
      ['Bad Country GmbH', null, null, 'Berlin', 'Germany!', null],
    ];
    const upload = await uploadToService(service.url, admin, csvOf(rows));
    const mapping = [
      { column: 'Name', field: 'name' },
      { column: 'Street', field: 'address.street' },
      { column: 'Zip', field: 'address.postalCode' },
      { column: 'City', field: 'address.city' },
      { column: 'Country', field: 'address.country' },
      { column: 'Territory', field: 'territoryId' },
    ];
    const started = dataOf(await startImport(service.url, admin, { uploadId: upload.body.uploadId, mapping })).startImport;
    const job = await finishedJob(service.url, admin, started.id);
    expect(job).toMatchObject({ status: 'DONE', created: 4, failed: 1 });
    expect(job.errors).toEqual([{ row: 6, column: 'Country', message: expect.stringContaining('address.country') }]);
    const placed = await CompanyModel.find({ tenantId: admin.tenantId }).sort({ name: 1 }).lean();
    expect(placed.map((company) => [company.name, company.territoryId, company.territoryFromAddress])).toEqual([
      ['Alster Facility GmbH', hamburg, true],
      ['Isar Clean GmbH', munich, true],
      ['Named Territory GmbH', hamburg, false],
      ['Nowhere GmbH', null, false],
    ]);
    expect(placed[1]!.addresses).toEqual([expect.objectContaining({ type: 'OFFICE', street: 'Leopoldstr. 1', postalCode: '80802', city: 'Munich', country: 'DE', primary: true })]);
    const { company } = dataOf(await subgraphRequest(service.url, admin, `query ($id: ID!) { company(id: $id) { territory { id } } }`, { id: String(placed[1]!._id) }));
    expect(company.territory).toEqual({ id: munich });
  });

  it('refuses rows naming an owner outside the importer\'s assign scope; an admin may name anyone', async () => {
    const erin = testIdentity(undefined, ['manager']);
    const rows = [
      ['Name', 'Owner'],
      ['Mine GmbH', erin.userId],
      ['Unowned GmbH', null],
      ['Theirs GmbH', 'someone-else'],
    ];
    const mapping = [
      { column: 'Name', field: 'name' },
      { column: 'Owner', field: 'ownerId' },
    ];
    const run = async (identity: typeof erin) => {
      const upload = await uploadToService(service.url, identity, csvOf(rows));
      const started = dataOf(await startImport(service.url, identity, { uploadId: upload.body.uploadId, mapping })).startImport;
      return finishedJob(service.url, identity, started.id);
    };
    const job = await run(erin);
    expect(job).toMatchObject({ status: 'DONE', created: 2, failed: 1 });
    expect(job.errors).toEqual([{ row: 4, column: 'Owner', message: 'ownerId: you may not assign records to someone-else (FORBIDDEN)' }]);
    expect(await CompanyModel.countDocuments({ tenantId: erin.tenantId, ownerId: 'someone-else' })).toBe(0);

    const admin = testIdentity(undefined, ['admin']);
    expect(await run(admin)).toMatchObject({ status: 'DONE', created: 3, failed: 0 });
    expect(await CompanyModel.countDocuments({ tenantId: admin.tenantId, ownerId: 'someone-else' })).toBe(1);
  });

  it('shows progress while it runs, batch by batch', async () => {
    const erin = testIdentity(undefined, ['manager']);
    const rows = [['First name', 'Last name', 'Email']];
    for (let i = 0; i < 60; i += 1) rows.push([`Person${i}`, `Family${i}`, `person${i}@progress.example`]);
    const upload = await uploadToService(service.url, erin, csvOf(rows));
    const started = dataOf(
      await startImport(service.url, erin, { uploadId: upload.body.uploadId, mapping: [{ column: 'First name', field: 'firstName' }, { column: 'Last name', field: 'lastName' }, { column: 'Email', field: 'email' }] }),
    ).startImport;
    const seen = new Set<number>();
    for (;;) {
      const job = dataOf(await importJob(service.url, erin, started.id)).importJob;
      seen.add(job.processed);
      if (job.status === 'DONE') break;
      expect(job.processed % 3).toBe(0); // a checkpoint per batch of 3
    }
    // Some state between the start and the end was readable.
    expect([...seen].some((processed) => processed > 0 && processed < 60)).toBe(true);
    expect(await ContactModel.countDocuments({ tenantId: erin.tenantId })).toBe(60);
  });

  it('refuses bad input, another tenant\'s upload or job, and a file too large', async () => {
    const frank = testIdentity(undefined, ['manager']);
    const mallory = testIdentity(undefined, ['admin']);
    const upload = await uploadToService(service.url, frank, csvOf(PEOPLE));
    expect(errorCodes(await startImport(service.url, mallory, { uploadId: upload.body.uploadId, mapping: MAPPING }))).toEqual(['NOT_FOUND']);
    const started = dataOf(await startImport(service.url, frank, { uploadId: upload.body.uploadId, mapping: MAPPING })).startImport;
    expect(dataOf(await importJob(service.url, mallory, started.id)).importJob).toBeNull();
    const wrongField = await startImport(service.url, frank, { uploadId: upload.body.uploadId, mapping: [{ column: 'Company', field: 'password' }], entity: 'CONTACT' });
    expect(errorCodes(wrongField)).toEqual(['BAD_USER_INPUT']);
    expect(wrongField.errors?.[0]?.extensions?.field).toBe('mapping.0.field');
    expect(errorCodes(await startImport(service.url, frank, { uploadId: upload.body.uploadId, format: 'XLSX' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await startImport(service.url, frank, { uploadId: 'nope' }))).toEqual(['BAD_USER_INPUT']);
    // Over UPLOAD_MAX_BYTES (600 kB here): 413, and no chunk is left behind.
    const big = await uploadToService(service.url, frank, Buffer.alloc(700 * 1024, 'a'));
    expect(big.status).toBe(413);
    expect(big.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await UploadChunkModel.countDocuments({ tenantId: frank.tenantId })).toBe(1); // the one accepted upload's
    // A mapped column the file lacks: the job fails, saying which.
    const missing = dataOf(await startImport(service.url, frank, { uploadId: upload.body.uploadId, mapping: [{ column: 'Surname', field: 'lastName' }] })).startImport;
    const failed = await finishedJob(service.url, frank, missing.id);
    expect(failed).toMatchObject({ status: 'FAILED', errors: [{ row: 1, column: 'Surname', message: 'no column "Surname" in the file\'s first row' }] });
  });

  it("computes imported companies' completeness for the tenant's required fields, publishes it, and recomputes it when a row completes a company", async () => {
    const gina = testIdentity(undefined, ['manager']);
    // The default required fields: name, industry, taxId, phones, addresses, profile.paymentTerms, profile.solvency.
    const known = dataOf(await subgraphRequest(service.url, gina, `mutation { createCompany(input: { name: "Known Retail GmbH" }) { id completeness { percent } } }`)).createCompany;
    expect(known.completeness.percent).toBe(14.2);
    const reader = await readTopics([topics.company]);
    try {
      const upload = await uploadToService(service.url, gina, csvOf([['Name', 'Industry'], ['Bare GmbH', null], ['Known Retail GmbH', 'Retail']]));
      const started = dataOf(await startImport(service.url, gina, { uploadId: upload.body.uploadId, mapping: [{ column: 'Name', field: 'name' }, { column: 'Industry', field: 'industry' }] })).startImport;
      expect(await finishedJob(service.url, gina, started.id)).toMatchObject({ status: 'DONE', created: 1, updated: 1, failed: 0 });
      const bare = await CompanyModel.findOne({ tenantId: gina.tenantId, nameKey: 'bare gmbh' }).lean();
      expect(bare!.completeness).toEqual({ percent: 14.2, missing: ['industry', 'taxId', 'phones', 'addresses', 'profile.paymentTerms', 'profile.solvency'] });
      const completed = await CompanyModel.findOne({ _id: known.id, tenantId: gina.tenantId }).lean();
      expect(completed).toMatchObject({ industry: 'Retail', revision: 1, completeness: { percent: 28.5, missing: ['taxId', 'phones', 'addresses', 'profile.paymentTerms', 'profile.solvency'] } });
      const completeness = (companyId: string, percent: number) => (m: { event?: { type: string; data: any } }) =>
        m.event?.type === 'CompanyCompletenessChanged' && m.event.data.companyId === companyId && m.event.data.percent === percent;
      await reader.waitFor((m) => m.event?.type === 'CompanyCreated' && m.event.data.companyId === String(bare!._id), 'CompanyCreated of the new company');
      await reader.waitFor(completeness(String(bare!._id), 14.2), 'the new company\'s completeness');
      const updated = await reader.waitFor((m) => m.event?.type === 'CompanyUpdated' && m.event.data.companyId === known.id, 'CompanyUpdated of the completed company');
      expect(updated.event!.data).toMatchObject({ changes: [{ field: 'industry', from: null, to: 'Retail' }], reason: 'IMPORT' });
      await reader.waitFor(completeness(known.id, 28.5), 'the completed company\'s new completeness');

      // A company a contact row names is created with its completeness too.
      const people = await uploadToService(service.url, gina, csvOf([['Full name', 'Company'], ['Nia Okafor', 'Employer Ltd']]));
      const job = dataOf(await startImport(service.url, gina, { uploadId: people.body.uploadId, mapping: [{ column: 'Full name', field: 'fullName' }, { column: 'Company', field: 'company.name' }] })).startImport;
      expect(await finishedJob(service.url, gina, job.id)).toMatchObject({ status: 'DONE', created: 1, companiesCreated: 1 });
      const employer = await CompanyModel.findOne({ tenantId: gina.tenantId, nameKey: 'employer ltd' }).lean();
      expect(employer!.completeness.percent).toBe(14.2);
      await reader.waitFor(completeness(String(employer!._id), 14.2), 'the employer\'s completeness');
    } finally {
      await reader.close();
    }
  });

  it('matches existing contacts by any of their emails, and creates no company for a row it refuses', async () => {
    const hana = testIdentity(undefined, ['manager']);
    const ann = dataOf(
      await subgraphRequest(service.url, hana, `mutation { createContact(input: { firstName: "Ann", lastName: "Lee", emails: [{ address: "ann@a.example", primary: true }, { address: "ann.lee@b.example" }] }) { id } }`),
    ).createContact;
    const rows = [
      ['Full name', 'Email', 'Company'],
      ['Ann Lee', 'ann.lee@b.example', 'NewCo'],
      ['Bea Stone', 'bea@c.example', 'FirstCo'],
      ['Bea Stone', 'bea@c.example', 'DupCo'],
    ];
    const upload = await uploadToService(service.url, hana, csvOf(rows));
    const mapping = [{ column: 'Full name', field: 'fullName' }, { column: 'Email', field: 'email' }, { column: 'Company', field: 'company.name' }];
    const started = dataOf(await startImport(service.url, hana, { uploadId: upload.body.uploadId, mapping })).startImport;
    const job = await finishedJob(service.url, hana, started.id);
    expect(job).toMatchObject({ status: 'DONE', created: 1, updated: 1, skipped: 1, failed: 0, companiesCreated: 2 });
    expect(job.errors).toEqual([{ row: 4, column: 'Email', message: 'duplicate: the same email as row 3; skipped' }]);
    const companies = await CompanyModel.find({ tenantId: hana.tenantId }).lean();
    expect(companies.map((company) => company.name).sort()).toEqual(['FirstCo', 'NewCo']);
    const newCo = companies.find((company) => company.name === 'NewCo')!;
    const completed = await ContactModel.findOne({ _id: ann.id, tenantId: hana.tenantId }).lean();
    expect(completed).toMatchObject({ email: 'ann@a.example', revision: 1 });
    expect(String(completed!.companyId)).toBe(String(newCo._id));
    expect(completed!.employments.map((employment) => String(employment.companyId))).toEqual([String(newCo._id)]);
    expect(await ContactModel.countDocuments({ tenantId: hana.tenantId })).toBe(2);
    const { contact } = dataOf(await subgraphRequest(service.url, hana, `query ($id: ID!) { contact(id: $id) { company { name } } }`, { id: ann.id }));
    expect(contact.company).toEqual({ name: 'NewCo' });
  });

  it('checks the owners of rows mapped from the headings against the importer\'s assign scope', async () => {
    const ivan = testIdentity(undefined, ['manager']);
    const rows = [
      ['Name', 'Owner'],
      ['Mine GmbH', ivan.userId],
      ['Theirs GmbH', 'someone-else'],
    ];
    const upload = await uploadToService(service.url, ivan, csvOf(rows));
    // No mapping: "Owner" is understood from its heading.
    const started = dataOf(await startImport(service.url, ivan, { uploadId: upload.body.uploadId, entity: 'COMPANY' })).startImport;
    const job = await finishedJob(service.url, ivan, started.id);
    expect(job).toMatchObject({ status: 'DONE', created: 1, failed: 1 });
    expect(job.errors).toEqual([{ row: 3, column: 'Owner', message: 'ownerId: you may not assign records to someone-else (FORBIDDEN)' }]);
    expect(await CompanyModel.countDocuments({ tenantId: ivan.tenantId, ownerId: 'someone-else' })).toBe(0);
  });

  it("reads rows with the tenant's rules: its custom field definitions and default country (the job's country first)", async () => {
    const jane = testIdentity(undefined, ['admin']);
    dataOf(await subgraphRequest(service.url, jane, `mutation { setTenantDefaultCountry(country: "DE") { defaultCountry } }`));
    await define(jane, { key: 'employees', label: 'Employees', entity: 'COMPANY', type: 'NUMBER', min: 0 });
    await define(jane, { key: 'tier', label: 'Tier', entity: 'COMPANY', type: 'SELECT', options: ['Gold', 'Silver'] });
    await define(jane, { key: 'founded', label: 'Founded', entity: 'COMPANY', type: 'DATE' });
    const legacy = await define(jane, { key: 'legacy', label: 'Legacy', entity: 'COMPANY', type: 'TEXT' });
    dataOf(await subgraphRequest(service.url, jane, `mutation ($id: ID!) { archiveCustomField(id: $id) { archived } }`, { id: legacy }));
    const rows = [
      ['Name', 'Phone', 'Employees', 'Tier', 'Founded', 'Legacy', 'Nickname'],
      ['Alpha GmbH', '030 1234567', '250', 'Gold', '1999-05-01', null, null],
      ['Beta GmbH', null, 'abc', null, null, null, null],
      ['Gamma GmbH', null, null, 'Bronze', null, null, null],
      ['Delta GmbH', null, null, null, 'yesterday', null, null],
      ['Epsilon GmbH', null, null, null, null, 'old', null],
      ['Zeta GmbH', null, null, null, null, null, 'Zed'],
    ];
    const mapping = [
      { column: 'Name', field: 'name' },
      { column: 'Phone', field: 'phone' },
      { column: 'Employees', field: 'customFields.employees' },
      { column: 'Tier', field: 'customFields.tier' },
      { column: 'Founded', field: 'customFields.founded' },
      { column: 'Legacy', field: 'customFields.legacy' },
      { column: 'Nickname', field: 'customFields.nickname' },
    ];
    const upload = await uploadToService(service.url, jane, csvOf(rows));
    const started = dataOf(await startImport(service.url, jane, { uploadId: upload.body.uploadId, mapping })).startImport;
    const job = await finishedJob(service.url, jane, started.id);
    expect(job).toMatchObject({ status: 'DONE', created: 1, failed: 5 });
    expect(job.errors.map(({ row, column }: { row: number; column: string }) => [row, column])).toEqual([
      [3, 'Employees'],
      [4, 'Tier'],
      [5, 'Founded'],
      [6, 'Legacy'],
      [7, 'Nickname'],
    ]);
    expect(job.errors[0].message).toMatch(/customFields\.employees/);
    const alpha = await CompanyModel.findOne({ tenantId: jane.tenantId, nameKey: 'alpha gmbh' }).lean();
    expect(alpha).toMatchObject({ phones: [expect.objectContaining({ number: '+49301234567', primary: true })], customFields: { employees: 250, tier: 'Gold', founded: '1999-05-01' } });
    expect(await CompanyModel.countDocuments({ tenantId: jane.tenantId })).toBe(1);

    // Contact rows: the tenant's country for national numbers, unless the job names one.
    const people = [['First name', 'Last name', 'Phone'], ['Jean', 'Dupont', '01 42 68 53 00']];
    const contactMapping = [{ column: 'First name', field: 'firstName' }, { column: 'Last name', field: 'lastName' }, { column: 'Phone', field: 'phone' }];
    const inFrance = await uploadToService(service.url, jane, csvOf(people));
    const french = dataOf(await startImport(service.url, jane, { uploadId: inFrance.body.uploadId, mapping: contactMapping, defaultCountry: 'FR' })).startImport;
    expect(await finishedJob(service.url, jane, french.id)).toMatchObject({ status: 'DONE', created: 1, failed: 0 });
    expect(await ContactModel.countDocuments({ tenantId: jane.tenantId, phone: '+33142685300' })).toBe(1);
    const inGermany = await uploadToService(service.url, jane, csvOf([people[0]!, ['Max', 'Weber', '030 7654321']]));
    const german = dataOf(await startImport(service.url, jane, { uploadId: inGermany.body.uploadId, mapping: contactMapping })).startImport;
    expect(await finishedJob(service.url, jane, german.id)).toMatchObject({ status: 'DONE', created: 1, failed: 0 });
    expect(await ContactModel.countDocuments({ tenantId: jane.tenantId, phone: '+49307654321' })).toBe(1);
  });
});
