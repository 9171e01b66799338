// Custom field definitions per tenant and the validation of their values on every write.
import { parseEvent, topics } from '@crm/events';
import { readTopics } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { CompanyModel } from '../src/modules/company/company.model';
import { COMPANY_FIELDS, DEFAULT_REQUIRED_COMPANY_FIELDS, MAX_REQUIRED_FIELDS } from '../src/modules/completeness/required-fields';
import { CustomFieldDefinitionModel } from '../src/modules/custom-field/custom-field.model';
import { bumpDefinitionsVersion, settingsOf } from '../src/modules/tenant-settings/tenant-settings.model';
import { startContacts } from '../src/service';

const service = serviceUnderTest('contacts', startContacts);
const call = (identity: ReturnType<typeof testIdentity>, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);

const DEFINE = `mutation ($input: DefineCustomFieldInput!) { defineCustomField(input: $input) { id key label entity type options maxLength min max required archived } }`;
const UPDATE_FIELD = `mutation ($id: ID!, $input: UpdateCustomFieldInput!) { updateCustomField(id: $id, input: $input) { id label options required } }`;
const ARCHIVE = `mutation ($id: ID!) { archiveCustomField(id: $id) { id archived required } }`;
const LIST = `query ($entity: CustomFieldEntity!, $all: Boolean) { customFieldDefinitions(entity: $entity, includeArchived: $all) { key archived required } }`;
const CREATE_COMPANY = `mutation ($input: CreateCompanyInput!) { createCompany(input: $input) { id customFields { key value } } }`;
const UPDATE_COMPANY = `mutation ($id: ID!, $input: UpdateCompanyInput!) { updateCompany(id: $id, input: $input) { customFields { key value } } }`;
const SET_REQUIRED = `mutation ($fields: [String!]!) { setRequiredFields(entity: COMPANY, fields: $fields) { fields } }`;
const CREATE_CONTACT = `mutation ($input: CreateContactInput!) { createContact(input: $input) { id customFields { key value } } }`;

async function defineAll(admin: ReturnType<typeof testIdentity>) {
  const fields = [
    { key: 'vatGroup', label: ' VAT  group ', entity: 'COMPANY', type: 'TEXT', maxLength: 10 },
    { key: 'employees', label: 'Employees', entity: 'COMPANY', type: 'NUMBER', min: 0, max: 1000000 },
    { key: 'foundedOn', label: 'Founded on', entity: 'COMPANY', type: 'DATE' },
    { key: 'tier', label: 'Tier', entity: 'COMPANY', type: 'SELECT', options: ['Gold', 'Silver'] },
    { key: 'channels', label: 'Sales channels', entity: 'COMPANY', type: 'MULTI_SELECT', options: ['Online', 'Retail', 'Wholesale'] },
    { key: 'exporter', label: 'Exporter', entity: 'COMPANY', type: 'BOOLEAN' },
    { key: 'hobby', label: 'Hobby', entity: 'CONTACT', type: 'TEXT' },
  ];
  const defined = [];
  for (const input of fields) defined.push(dataOf(await call(admin, DEFINE, { input })).defineCustomField);
  return defined;
}

describe('custom field definitions', () => {
  it('are defined by admins and heads of sales, listed by entity, unique by key', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const [vat] = await defineAll(admin);
    expect(vat).toMatchObject({ key: 'vatGroup', label: 'VAT group', entity: 'COMPANY', type: 'TEXT', options: [], maxLength: 10, required: false, archived: false });
    expect(dataOf(await call(admin, LIST, { entity: 'CONTACT' })).customFieldDefinitions).toEqual([{ key: 'hobby', archived: false, required: false }]);
    expect(dataOf(await call(admin, LIST, { entity: 'COMPANY' })).customFieldDefinitions.map((field: { key: string }) => field.key)).toEqual([
      'channels',
      'employees',
      'exporter',
      'foundedOn',
      'tier',
      'vatGroup',
    ]);
    const again = await call(admin, DEFINE, { input: { key: 'vatGroup', label: 'Again', entity: 'COMPANY', type: 'NUMBER' } });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', existingId: vat.id, field: 'key' });
    const manager = testIdentity(admin.tenantId, ['manager']);
    expect(errorCodes(await call(manager, DEFINE, { input: { key: 'x', label: 'X', entity: 'COMPANY', type: 'TEXT' } }))).toEqual(['FORBIDDEN']);
    const head = testIdentity(admin.tenantId, ['head_of_sales']);
    expect(errorCodes(await call(head, DEFINE, { input: { key: 'x', label: 'X', entity: 'COMPANY', type: 'TEXT' } }))).toEqual([]);
    // Another tenant sees none of them.
    expect(dataOf(await call(testIdentity(), LIST, { entity: 'COMPANY' })).customFieldDefinitions).toEqual([]);
  });

  it.each([
    [{ key: '1bad', label: 'X', entity: 'COMPANY', type: 'TEXT' }, 'key'],
    [{ key: 'with.dot', label: 'X', entity: 'COMPANY', type: 'TEXT' }, 'key'],
    [{ key: 'tier', label: 'X', entity: 'COMPANY', type: 'SELECT' }, 'options'],
    [{ key: 'tier', label: 'X', entity: 'COMPANY', type: 'SELECT', options: ['A', 'A'] }, 'options'],
    [{ key: 'n', label: 'X', entity: 'COMPANY', type: 'TEXT', options: ['A'] }, 'options'],
    [{ key: 'n', label: 'X', entity: 'COMPANY', type: 'NUMBER', min: 5, max: 1 }, 'min'],
    [{ key: 'n', label: 'X', entity: 'CONTACT', type: 'TEXT', required: true }, 'required'],
    [{ key: 'n', label: ' ', entity: 'COMPANY', type: 'TEXT' }, 'label'],
  ])('refuses definition %# with BAD_USER_INPUT naming the field', async (input, field) => {
    const admin = testIdentity(undefined, ['admin']);
    const answer = await call(admin, DEFINE, { input });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(dataOf(await call(admin, LIST, { entity: input.entity })).customFieldDefinitions).toEqual([]);
  });

  it("are updated and archived within the tenant only; an archived field takes no new values but can be cleared", async () => {
    const admin = testIdentity(undefined, ['admin']);
    const [, , , tier] = await defineAll(admin);
    const company = dataOf(await call(admin, CREATE_COMPANY, { input: { name: 'A', customFields: [{ key: 'tier', value: 'Gold' }] } })).createCompany;
    expect(errorCodes(await call(testIdentity(), UPDATE_FIELD, { id: tier.id, input: { label: 'Stolen' } }))).toEqual(['NOT_FOUND']);
    expect(dataOf(await call(admin, UPDATE_FIELD, { id: tier.id, input: { label: 'Level', options: ['Gold', 'Silver', 'Bronze'] } })).updateCustomField).toMatchObject({
      label: 'Level',
      options: ['Gold', 'Silver', 'Bronze'],
    });
    dataOf(await call(admin, UPDATE_COMPANY, { id: company.id, input: { customFields: [{ key: 'tier', value: 'Bronze' }] } }));
    expect(dataOf(await call(admin, ARCHIVE, { id: tier.id })).archiveCustomField).toEqual({ id: tier.id, archived: true, required: false });
    expect(dataOf(await call(admin, LIST, { entity: 'COMPANY' })).customFieldDefinitions.map((field: { key: string }) => field.key)).not.toContain('tier');
    expect(dataOf(await call(admin, LIST, { entity: 'COMPANY', all: true })).customFieldDefinitions.map((field: { key: string }) => field.key)).toContain('tier');
    const refused = await call(admin, UPDATE_COMPANY, { id: company.id, input: { customFields: [{ key: 'tier', value: 'Gold' }] } });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'customFields.tier' });
    expect(dataOf(await call(admin, UPDATE_COMPANY, { id: company.id, input: { customFields: [{ key: 'tier', value: null }] } })).updateCompany.customFields).toEqual([]);
  });

  it('are refused as required, before anything is written, when the tenant already requires the most fields', async () => {
    const admin = testIdentity(undefined, ['admin']);
    // The company fields plus text fields defined straight in the store fill the required set.
    const extra = Array.from({ length: MAX_REQUIRED_FIELDS - COMPANY_FIELDS.length }, (_, i) => `full${i}`);
    await CustomFieldDefinitionModel.insertMany(extra.map((key) => ({ tenantId: admin.tenantId, key, label: key, entity: 'COMPANY', type: 'TEXT', options: [], archived: false })));
    const full = [...COMPANY_FIELDS, ...extra.map((key) => `customFields.${key}`)];
    expect(dataOf(await call(admin, SET_REQUIRED, { fields: full })).setRequiredFields.fields).toHaveLength(MAX_REQUIRED_FIELDS);
    const spare = dataOf(await call(admin, DEFINE, { input: { key: 'spare', label: 'Spare', entity: 'COMPANY', type: 'TEXT' } })).defineCustomField;
    const version = (await settingsOf(admin.tenantId)).definitionsVersion;

    const defined = await call(admin, DEFINE, { input: { key: 'oneMore', label: 'One more', entity: 'COMPANY', type: 'TEXT', required: true } });
    expect(defined.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'required' });
    expect(await CustomFieldDefinitionModel.countDocuments({ tenantId: admin.tenantId, key: 'oneMore' })).toBe(0);
    const updated = await call(admin, UPDATE_FIELD, { id: spare.id, input: { label: 'Renamed', required: true } });
    expect(updated.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'required' });
    expect((await CustomFieldDefinitionModel.findById(spare.id).lean())?.label).toBe('Spare');
    // Nothing else moved: the definitions version and the required set are as they were.
    const settings = await settingsOf(admin.tenantId);
    expect({ version: settings.definitionsVersion, required: settings.requiredCompanyFields }).toEqual({ version, required: full });
    // A field already required may be required again.
    expect(dataOf(await call(admin, UPDATE_FIELD, { id: String((await CustomFieldDefinitionModel.findOne({ tenantId: admin.tenantId, key: 'full0' }).lean())!._id), input: { label: 'First', required: true } })).updateCustomField).toMatchObject({ label: 'First', required: true });
  });

  it('archived, or set not required, when they were not required: the required set is not written, no RequiredFieldsChanged, no recomputation, the default stays', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const REQUIRED = `query { requiredFields(entity: COMPANY) { fields isDefault recompute { status } } }`;
    const reader = await readTopics([topics.contactsSettings]);
    try {
      const note = dataOf(await call(admin, DEFINE, { input: { key: 'note', label: 'Note', entity: 'COMPANY', type: 'TEXT' } })).defineCustomField;
      expect(dataOf(await call(admin, UPDATE_FIELD, { id: note.id, input: { label: 'Remark', required: false } })).updateCustomField).toMatchObject({ label: 'Remark', required: false });
      expect(dataOf(await call(admin, ARCHIVE, { id: note.id })).archiveCustomField).toMatchObject({ archived: true, required: false });
      expect(dataOf(await call(admin, REQUIRED)).requiredFields).toEqual({ fields: DEFAULT_REQUIRED_COMPANY_FIELDS, isDefault: true, recompute: null });
      expect((await settingsOf(admin.tenantId)).requiredVersion).toBe(0);
      // A real change afterwards: the tenant's settings publish in order, so once its event is here any
      // event of the changes before it would be too. It is the first, at version 1.
      dataOf(await call(admin, SET_REQUIRED, { fields: ['name'] }));
      const published = () => reader.messages.flatMap((m) => (m.event?.tenantId === admin.tenantId && m.event.type === 'RequiredFieldsChanged' ? [parseEvent(m.event).data] : []));
      await reader.waitFor(() => published().some((data: any) => data.fields.length === 1), 'the RequiredFieldsChanged of setRequiredFields');
      expect(published()).toEqual([{ fields: ['name'], requiredVersion: 1 }]);
    } finally {
      await reader.close();
    }
  });

  it("are read again by every write once another instance changed them (the tenant's definitions version), not before", async () => {
    const admin = testIdentity(undefined, ['admin']);
    const withSize = { name: 'A', customFields: [{ key: 'size', value: 'L' }] };
    // A first write reads (and keeps) the tenant's definitions: none.
    expect(errorCodes(await call(admin, CREATE_COMPANY, { input: withSize }))).toEqual(['BAD_USER_INPUT']);
    // Another instance defines a field: its definition, then the version bump, as defineCustomField writes them.
    await CustomFieldDefinitionModel.create({ tenantId: admin.tenantId, entity: 'COMPANY', key: 'size', label: 'Size', type: 'TEXT', options: [], archived: false });
    expect(errorCodes(await call(admin, CREATE_COMPANY, { input: withSize }))).toEqual(['BAD_USER_INPUT']);
    await bumpDefinitionsVersion(admin.tenantId);
    expect(dataOf(await call(admin, CREATE_COMPANY, { input: withSize })).createCompany.customFields).toEqual([{ key: 'size', value: 'L' }]);
    // And archives it.
    await CustomFieldDefinitionModel.updateOne({ tenantId: admin.tenantId, key: 'size' }, { $set: { archived: true } });
    await bumpDefinitionsVersion(admin.tenantId);
    expect((await call(admin, CREATE_COMPANY, { input: withSize })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'customFields.size' });
    // The settings the first bump created hold the defaults besides the version.
    expect(await settingsOf(admin.tenantId)).toMatchObject({ defaultCountry: null, requiredCompanyFields: null, requiredVersion: 0, definitionsVersion: 2 });
  });
});

describe('custom field values', () => {
  const admin = testIdentity(undefined, ['admin']);
  beforeAll(() => defineAll(admin));

  it('are stored by type: text, number, ISO date, select, multi-select without repeats, boolean; null clears; others keep', async () => {
    const values = [
      { key: 'vatGroup', value: ' V1 ' },
      { key: 'employees', value: 250 },
      { key: 'foundedOn', value: '1998-04-01' },
      { key: 'tier', value: 'Gold' },
      { key: 'channels', value: ['Retail', 'Online', 'Retail'] },
      { key: 'exporter', value: false },
    ];
    const company = dataOf(await call(admin, CREATE_COMPANY, { input: { name: 'Typed', customFields: values } })).createCompany;
    expect(company.customFields).toEqual([
      { key: 'channels', value: ['Retail', 'Online'] },
      { key: 'employees', value: 250 },
      { key: 'exporter', value: false },
      { key: 'foundedOn', value: '1998-04-01' },
      { key: 'tier', value: 'Gold' },
      { key: 'vatGroup', value: 'V1' },
    ]);
    const updated = dataOf(await call(admin, UPDATE_COMPANY, { id: company.id, input: { customFields: [{ key: 'employees', value: 300 }, { key: 'tier', value: null }] } })).updateCompany;
    expect(updated.customFields).toEqual([
      { key: 'channels', value: ['Retail', 'Online'] },
      { key: 'employees', value: 300 },
      { key: 'exporter', value: false },
      { key: 'foundedOn', value: '1998-04-01' },
      { key: 'vatGroup', value: 'V1' },
    ]);
    const person = dataOf(await call(admin, CREATE_CONTACT, { input: { firstName: 'A', lastName: 'B', customFields: [{ key: 'hobby', value: 'Sailing' }] } })).createContact;
    expect(person.customFields).toEqual([{ key: 'hobby', value: 'Sailing' }]);
  });

  it.each([
    [{ key: 'vatGroup', value: 12 }],
    [{ key: 'vatGroup', value: 'x'.repeat(11) }],
    [{ key: 'employees', value: '250' }],
    [{ key: 'employees', value: -1 }],
    [{ key: 'foundedOn', value: '1998-02-30' }],
    [{ key: 'foundedOn', value: '01.04.1998' }],
    [{ key: 'tier', value: 'Platinum' }],
    [{ key: 'channels', value: ['Online', 'Mail order'] }],
    [{ key: 'channels', value: 'Online' }],
    [{ key: 'exporter', value: 'yes' }],
    [{ key: 'hobby', value: 'A contact field on a company' }],
  ])('refuses value %# with BAD_USER_INPUT naming customFields.<key>, nothing stored', async (entry) => {
    const answer = await call(admin, CREATE_COMPANY, { input: { name: 'Bad', customFields: [entry] } });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: `customFields.${entry.key}` });
    expect(await CompanyModel.countDocuments({ tenantId: admin.tenantId, name: 'Bad' })).toBe(0);
  });

  it('takes keys named as Object.prototype members (constructor, toString) like any other, and drops a multi-select value\'s repeats however many', async () => {
    const owner = testIdentity(undefined, ['admin']);
    for (const input of [
      { key: 'constructor', label: 'Constructor', entity: 'COMPANY', type: 'TEXT' },
      { key: 'toString', label: 'To string', entity: 'COMPANY', type: 'NUMBER' },
      { key: 'channels', label: 'Sales channels', entity: 'COMPANY', type: 'MULTI_SELECT', options: ['Online', 'Retail', 'Wholesale'] },
    ]) {
      dataOf(await call(owner, DEFINE, { input }));
    }
    const values = [
      { key: 'constructor', value: 'Builder' },
      { key: 'toString', value: 7 },
      // More entries than options: each option at most once once the repeats are dropped.
      { key: 'channels', value: ['Online', 'Online', 'Retail', 'Online', 'Retail'] },
    ];
    const company = dataOf(await call(owner, CREATE_COMPANY, { input: { name: 'Prototype', customFields: values } })).createCompany;
    expect(company.customFields).toEqual([
      { key: 'channels', value: ['Online', 'Retail'] },
      { key: 'constructor', value: 'Builder' },
      { key: 'toString', value: 7 },
    ]);
    const changed = dataOf(await call(owner, UPDATE_COMPANY, { id: company.id, input: { customFields: [{ key: 'constructor', value: 'Maker' }, { key: 'toString', value: null }] } })).updateCompany;
    expect(changed.customFields).toEqual([
      { key: 'channels', value: ['Online', 'Retail'] },
      { key: 'constructor', value: 'Maker' },
    ]);
    // Given twice is still refused, also for such a key.
    const twice = await call(owner, UPDATE_COMPANY, { id: company.id, input: { customFields: [{ key: 'constructor', value: 'A' }, { key: 'constructor', value: 'B' }] } });
    expect(twice.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'customFields.constructor' });
    // Required, such a field counts as missing where it has no value (not as filled by Object's own).
    dataOf(await call(owner, SET_REQUIRED, { fields: ['name', 'customFields.constructor'] }));
    const without = await call(owner, `mutation { createCompany(input: { name: "Without" }) { completeness { percent missing } } }`);
    expect(dataOf(without).createCompany.completeness).toEqual({ percent: 50, missing: ['customFields.constructor'] });
  });
});
