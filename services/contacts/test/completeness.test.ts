// Required fields per tenant and Company.completeness: on every write, and recomputed for every company when the set changes.
import { topics } from '@crm/events';
import { readTopics } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { CompanyModel } from '../src/modules/company/company.model';
import { RECOMPUTE_BATCH } from '../src/modules/completeness/required-fields.write';
import { TenantSettingsModel } from '../src/modules/tenant-settings/tenant-settings.model';
import { startContacts } from '../src/service';

const service = serviceUnderTest('contacts', startContacts);
const call = (identity: ReturnType<typeof testIdentity>, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);

const REQUIRED = `query { requiredFields(entity: COMPANY) { entity fields isDefault recompute { status processed changed } } }`;
const SET = `mutation ($fields: [String!]!, $entity: CustomFieldEntity = COMPANY) { setRequiredFields(entity: $entity, fields: $fields) { fields isDefault recompute { status } } }`;
const CREATE = `mutation ($input: CreateCompanyInput!) { createCompany(input: $input) { id completeness { percent missing } } }`;
const COMPLETENESS = `query ($id: ID!) { company(id: $id) { completeness { percent missing } } }`;
const DEFINE = `mutation ($input: DefineCustomFieldInput!) { defineCustomField(input: $input) { id required } }`;

const completenessOf = async (identity: ReturnType<typeof testIdentity>, id: string) => dataOf(await call(identity, COMPLETENESS, { id })).company.completeness;
const recomputed = (identity: ReturnType<typeof testIdentity>) =>
  waitFor(async () => {
    const { requiredFields } = dataOf(await call(identity, REQUIRED));
    return requiredFields.recompute?.status === 'DONE' && requiredFields;
  }, { what: 'the recomputation to finish' });

describe('required fields', () => {
  it('default to a documented set until the tenant chooses', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    expect(dataOf(await call(tenant, REQUIRED)).requiredFields).toEqual({
      entity: 'COMPANY',
      fields: ['name', 'industry', 'taxId', 'phones', 'addresses', 'profile.paymentTerms', 'profile.solvency'],
      isDefault: true,
      recompute: null,
    });
    const created = dataOf(await call(tenant, CREATE, { input: { name: 'Half', industry: 'Retail', taxId: 'X1', phones: [{ number: '+4930123456' }] } })).createCompany;
    expect(created.completeness).toEqual({ percent: 57.1, missing: ['addresses', 'profile.paymentTerms', 'profile.solvency'] });
  });

  it('are set by admins and heads of sales to known names only, for companies only', async () => {
    const admin = testIdentity(undefined, ['admin']);
    expect(errorCodes(await call(testIdentity(admin.tenantId, ['manager']), SET, { fields: ['name'] }))).toEqual(['FORBIDDEN']);
    const unknown = await call(admin, SET, { fields: ['name', 'shoeSize'] });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'fields.1' });
    const undefinedCustom = await call(admin, SET, { fields: ['customFields.tier'] });
    expect(undefinedCustom.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'fields.0' });
    expect(errorCodes(await call(admin, SET, { fields: ['firstName'], entity: 'CONTACT' }))).toEqual(['BAD_USER_INPUT']);
    expect(dataOf(await call(admin, REQUIRED)).requiredFields.isDefault).toBe(true);
  });

  it("recompute every company when they change, publishing CompanyCompletenessChanged for those whose value changed", async () => {
    const admin = testIdentity(undefined, ['admin']);
    dataOf(await call(admin, DEFINE, { input: { key: 'tier', label: 'Tier', entity: 'COMPANY', type: 'SELECT', options: ['Gold', 'Silver'] } }));
    const full = dataOf(await call(admin, CREATE, { input: { name: 'Full', emails: [{ address: 'a@full.example' }], customFields: [{ key: 'tier', value: 'Gold' }] } })).createCompany;
    const bare = dataOf(await call(admin, CREATE, { input: { name: 'Bare' } })).createCompany;
    const reader = await readTopics([topics.company]);
    try {
      const answer = dataOf(await call(admin, SET, { fields: ['name', 'emails', 'customFields.tier', 'emails'] })).setRequiredFields;
      expect(answer).toEqual({ fields: ['name', 'emails', 'customFields.tier'], isDefault: false, recompute: { status: 'RUNNING' } });
      expect((await recomputed(admin)).recompute).toEqual({ status: 'DONE', processed: 2, changed: 2 });
      expect(await completenessOf(admin, full.id)).toEqual({ percent: 100, missing: [] });
      expect(await completenessOf(admin, bare.id)).toEqual({ percent: 33.3, missing: ['emails', 'customFields.tier'] });
      // The recompute's event (the creation's own may reach the reader after it started).
      const published = await reader.waitFor((m) => m.key === full.id && m.event?.type === 'CompanyCompletenessChanged' && m.event.data.percent === 100);
      expect(published.event?.data).toEqual({ companyId: full.id, percent: 100, missing: [] });
      expect(published.event?.actorId).toBe(admin.userId);
      await reader.waitFor((m) => m.key === bare.id && m.event?.type === 'CompanyCompletenessChanged' && m.event.data.percent === 33.3);
    } finally {
      await reader.close();
    }
    // Every later write computes with the new set.
    const next = dataOf(await call(admin, CREATE, { input: { name: 'Next', emails: [{ address: 'n@next.example' }] } })).createCompany;
    expect(next.completeness).toEqual({ percent: 66.6, missing: ['customFields.tier'] });
  });

  it('follow the custom fields marked required, and drop an archived one', async () => {
    const admin = testIdentity(undefined, ['admin']);
    dataOf(await call(admin, SET, { fields: ['name'] }));
    const company = dataOf(await call(admin, CREATE, { input: { name: 'Co' } })).createCompany;
    const vat = dataOf(await call(admin, DEFINE, { input: { key: 'vat', label: 'VAT', entity: 'COMPANY', type: 'TEXT', required: true } })).defineCustomField;
    expect(vat.required).toBe(true);
    expect((await recomputed(admin)).fields).toEqual(['name', 'customFields.vat']);
    expect(await completenessOf(admin, company.id)).toEqual({ percent: 50, missing: ['customFields.vat'] });
    dataOf(await call(admin, `mutation ($id: ID!) { archiveCustomField(id: $id) { id } }`, { id: vat.id }));
    expect((await recomputed(admin)).fields).toEqual(['name']);
    expect(await completenessOf(admin, company.id)).toEqual({ percent: 100, missing: [] });
  });

  it('resume a recomputation a stopped process left behind, from the last company done, in batches', async () => {
    const admin = testIdentity(undefined, ['admin']);
    dataOf(await call(admin, SET, { fields: ['name'] }));
    await recomputed(admin);
    // Companies written before the new set (as a bulk load would), then the set changes and the process "dies" after the first batch.
    const many = RECOMPUTE_BATCH + 30;
    await CompanyModel.insertMany(Array.from({ length: many }, (_, i) => ({ tenantId: admin.tenantId, name: `Bulk ${i}`, nameKey: `bulk ${i}`, completeness: { percent: 100, missing: [] } })));
    const ids = (await CompanyModel.find({ tenantId: admin.tenantId }, { _id: 1 }).sort({ _id: 1 }).limit(many + 10).lean()).map((company) => company._id.toString());
    const settings = await TenantSettingsModel.findOneAndUpdate(
      { _id: admin.tenantId },
      { $set: { requiredCompanyFields: ['name', 'industry'], recomputePending: true }, $inc: { requiredVersion: 1 } },
      { returnDocument: 'after' },
    ).lean();
    const version = settings!.requiredVersion;
    const doneBefore = ids.slice(0, RECOMPUTE_BATCH);
    await CompanyModel.updateMany({ tenantId: admin.tenantId, _id: { $in: doneBefore } }, { $set: { completeness: { percent: 50, missing: ['industry'] }, completenessVersion: version } });
    await TenantSettingsModel.updateOne(
      { _id: admin.tenantId },
      { $set: { recompute: { version, status: 'RUNNING', afterId: doneBefore.at(-1), processed: RECOMPUTE_BATCH, changed: RECOMPUTE_BATCH, actorId: admin.userId, leaseUntil: new Date(0), startedAt: new Date() } } },
    );
    // The next read of the tenant's required fields sees the expired lease and resumes it.
    const done = await recomputed(admin);
    expect(done.recompute).toEqual({ status: 'DONE', processed: ids.length, changed: ids.length });
    const stored = await CompanyModel.find({ tenantId: admin.tenantId }, { completeness: 1, completenessVersion: 1 }).limit(many + 10).lean();
    expect(stored.every((company) => company.completenessVersion === version && company.completeness.percent === 50)).toBe(true);
  });
});
