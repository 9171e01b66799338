// The tenant's settings of the contacts service publish their changes on crm.contacts.settings,
// each in the same single-document write as the change (through the outbox).
import { parseEvent, topics, type Envelope } from '@crm/events';
import { readTopics, type TopicReader } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { SegmentModel } from '../src/modules/segment/segment.model';
import { startContacts } from '../src/service';

const service = serviceUnderTest('contacts', startContacts);
const call = (identity: ReturnType<typeof testIdentity>, query: string, variables: object = {}) => subgraphRequest(service.url, identity, query, variables);

let reader: TopicReader;
beforeAll(async () => {
  reader = await readTopics([topics.contactsSettings]);
});
afterAll(() => reader.close());

/** The tenant's settings events of one type, once `count` of them arrived, in the order published. */
async function eventsOf(tenantId: string, type: string, count: number): Promise<Envelope[]> {
  const of = () => reader.messages.flatMap((m) => (m.event?.tenantId === tenantId && m.event.type === type ? [parseEvent(m.event)] : []));
  await reader.waitFor(() => of().length >= count, `${count} ${type} of ${tenantId}`);
  return of();
}

describe('settings events of the contacts service', () => {
  it('a default country change is published once with the country it replaced; the same country again publishes nothing', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const SET = `mutation ($country: String!) { setTenantDefaultCountry(country: $country) { defaultCountry } }`;
    expect(dataOf(await call(admin, SET, { country: 'DE' })).setTenantDefaultCountry.defaultCountry).toBe('DE');
    dataOf(await call(admin, SET, { country: 'DE' }));
    dataOf(await call(admin, SET, { country: 'AT' }));
    const events = await eventsOf(admin.tenantId, 'DefaultCountryChanged', 2);
    expect(events.map((event) => [event.aggregateId, event.aggregateType, event.data])).toEqual([
      [admin.tenantId, 'TenantSettings', { country: 'DE', previousCountry: null }],
      [admin.tenantId, 'TenantSettings', { country: 'AT', previousCountry: 'DE' }],
    ]);
    expect(events.every((event) => event.actorId === admin.userId)).toBe(true);
  });

  it('concurrent first changes of a new tenant\'s settings are chained: every change answered is published once, each replacing the one before', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const SET = `mutation ($country: String!) { setTenantDefaultCountry(country: $country) { defaultCountry } }`;
    const countries = ['DE', 'AT', 'CH', 'FR', 'IT', 'ES'];
    const answers = await Promise.all(countries.map((country) => call(admin, SET, { country })));
    const done = countries.filter((_country, i) => !answers[i]!.errors);
    // A change that lost every retry is CONFLICT, and wrote nothing; at least one change got in.
    expect(answers.flatMap((answer) => errorCodes(answer)).every((code) => code === 'CONFLICT')).toBe(true);
    expect(done.length).toBeGreaterThan(0);
    const events = await eventsOf(admin.tenantId, 'DefaultCountryChanged', done.length);
    expect(events).toHaveLength(done.length);
    expect(events.map((event) => (event.data as any).previousCountry)).toEqual([null, ...events.slice(0, -1).map((event) => (event.data as any).country)]);
    expect(new Set(events.map((event) => (event.data as any).country))).toEqual(new Set(done));
    const stored = dataOf(await call(admin, `{ tenantSettings { defaultCountry } }`)).tenantSettings.defaultCountry;
    expect(stored).toBe((events.at(-1)!.data as any).country);
  });

  it('custom field definitions and required fields publish each change, with the definition after it', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const DEFINE = `mutation ($input: DefineCustomFieldInput!) { defineCustomField(input: $input) { id } }`;
    const UPDATE = `mutation ($id: ID!, $input: UpdateCustomFieldInput!) { updateCustomField(id: $id, input: $input) { id } }`;
    const ARCHIVE = `mutation ($id: ID!) { archiveCustomField(id: $id) { id archived } }`;
    const { id } = dataOf(await call(admin, DEFINE, { input: { key: 'tier', label: 'Tier', entity: 'COMPANY', type: 'SELECT', options: ['gold', 'silver'], required: true } })).defineCustomField;
    dataOf(await call(admin, UPDATE, { id, input: { label: 'Client tier', options: ['gold', 'silver', 'bronze'] } }));
    dataOf(await call(admin, ARCHIVE, { id }));

    const changes = await eventsOf(admin.tenantId, 'CustomFieldDefinitionChanged', 3);
    expect(changes.map((event) => [event.aggregateId, (event.data as any).change, (event.data as any).definition.label, (event.data as any).definition.options, (event.data as any).definition.archived])).toEqual([
      [id, 'DEFINED', 'Tier', ['gold', 'silver'], false],
      [id, 'UPDATED', 'Client tier', ['gold', 'silver', 'bronze'], false],
      [id, 'ARCHIVED', 'Client tier', ['gold', 'silver', 'bronze'], true],
    ]);
    // Required when defined, no longer once archived: two versions of the required set.
    const required = await eventsOf(admin.tenantId, 'RequiredFieldsChanged', 2);
    expect(required.map((event) => [(event.data as any).fields.includes('customFields.tier'), (event.data as any).requiredVersion])).toEqual([
      [true, 1],
      [false, 2],
    ]);
  });

  it('segments publish CREATED, UPDATED and DELETED; a deleted one is gone from reads and frees its name', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const CREATE = `mutation ($input: CreateSegmentInput!) { createSegment(input: $input) { id name } }`;
    const UPDATE = `mutation ($id: ID!, $input: UpdateSegmentInput!) { updateSegment(id: $id, input: $input) { id name } }`;
    const DELETE = `mutation ($id: ID!) { deleteSegment(id: $id) }`;
    const filter = { field: 'INDUSTRY', op: 'EQ', value: 'Wholesale' };
    const { id } = dataOf(await call(head, CREATE, { input: { name: 'Wholesalers', filter } })).createSegment;
    dataOf(await call(head, UPDATE, { id, input: { name: 'All wholesalers' } }));
    expect(dataOf(await call(head, DELETE, { id })).deleteSegment).toBe(id);

    const events = await eventsOf(head.tenantId, 'SegmentChanged', 3);
    expect(events.map((event) => [event.aggregateId, event.data])).toEqual([
      [id, { segmentId: id, change: 'CREATED', name: 'Wholesalers', filter }],
      [id, { segmentId: id, change: 'UPDATED', name: 'All wholesalers', filter }],
      [id, { segmentId: id, change: 'DELETED', name: 'All wholesalers', filter: null }],
    ]);
    expect(dataOf(await call(head, `query ($id: ID!) { segment(id: $id) { id } }`, { id })).segment).toBeNull();
    expect(dataOf(await call(head, `{ segments { totalCount } }`)).segments.totalCount).toBe(0);
    expect(errorCodes(await call(head, DELETE, { id }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(head, UPDATE, { id, input: { name: 'Back' } }))).toEqual(['NOT_FOUND']);
    // The tombstone keeps the event's record; the name is free again.
    expect(await SegmentModel.countDocuments({ tenantId: head.tenantId })).toBe(1);
    expect(dataOf(await call(head, CREATE, { input: { name: 'All wholesalers', filter } })).createSegment.name).toBe('All wholesalers');
  });
});
