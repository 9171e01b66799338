// analytics' CompanyAbcClassChanged is the only writer of a company's ABC class.
import { CompanyAbcClassChanged, createEvent } from '@crm/events';
import { createTestProducer } from '@crm/messaging/testing';
import { dataOf, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { CompanyModel } from '../src/modules/company/company.model';
import { FieldChangeModel } from '../src/modules/history/field-change.model';
import { startContacts } from '../src/service';

const service = serviceUnderTest('contacts', startContacts);
const producer = createTestProducer();
afterAll(() => producer.close());
const call = (identity: ReturnType<typeof testIdentity>, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);

const classified = (tenantId: string, companyId: string, abcClass: 'A' | 'B' | 'C', computedAt: string) =>
  createEvent(CompanyAbcClassChanged, { tenantId, aggregateId: companyId }, { companyId, abcClass, revenue12m: 184000, currency: 'EUR', computedAt });
const COMPANY = `query ($id: ID!) { company(id: $id) { abcClass abcUpdatedAt potential { amount currency } completeness { missing } } }`;

describe('the ABC class', () => {
  it('is applied from analytics, recorded as a change by analytics, and never overwritten by an older classification', async () => {
    const admin = testIdentity(undefined, ['admin']);
    dataOf(await call(admin, `mutation { setRequiredFields(entity: COMPANY, fields: ["name", "abcClass", "potential"]) { fields } }`));
    const { createCompany } = dataOf(await call(admin, `mutation { createCompany(input: { name: "Big client", potential: { amount: 500000, currency: "EUR" } }) { id } }`));
    const id = createCompany.id as string;
    const stranger = testIdentity();

    await producer.send(classified(admin.tenantId, id, 'B', '2026-10-31T02:00:00.000Z'));
    await producer.send(classified(stranger.tenantId, id, 'C', '2026-12-31T02:00:00.000Z')); // another tenant's event never touches it
    await producer.send(classified(admin.tenantId, id, 'A', '2026-11-30T02:00:00.000Z'));
    await producer.send(classified(admin.tenantId, id, 'C', '2026-09-30T02:00:00.000Z')); // older: ignored
    const company = await waitFor(async () => {
      const { company: current } = dataOf(await call(admin, COMPANY, { id }));
      return current.abcClass === 'A' && current;
    }, { what: 'class A' });
    expect(company).toEqual({ abcClass: 'A', abcUpdatedAt: '2026-11-30T02:00:00.000Z', potential: { amount: 500000, currency: 'EUR' }, completeness: { missing: [] } });

    const history = await waitFor(async () => {
      const rows = await FieldChangeModel.find({ tenantId: admin.tenantId, entity: 'Company', entityId: id }).sort({ at: -1 }).lean();
      return rows.length === 2 && rows;
    }, { what: 'two class changes in the history' });
    expect(history.map((row) => [row.field, row.from, row.to, row.actorId, row.reason])).toEqual([
      ['abcClass', 'B', 'A', 'analytics', 'ANALYTICS'],
      ['abcClass', null, 'B', 'analytics', 'ANALYTICS'],
    ]);
    // The older classification, sent last, was read and left no trace.
    const stored = await CompanyModel.findById(id).lean();
    expect(stored).toMatchObject({ abcClass: 'A', revision: 2 });
  });

  it('cannot be set through updateCompany (only potential is set by people)', async () => {
    const tenant = testIdentity(undefined, ['manager']);
    const { createCompany } = dataOf(await call(tenant, `mutation { createCompany(input: { name: "X" }) { id } }`));
    const answer = await call(tenant, `mutation ($id: ID!) { updateCompany(id: $id, input: { abcClass: A }) { id } }`, { id: createCompany.id });
    expect(answer.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
