import { CompaniesMerged, ContactsMerged, createEvent, topics } from '@crm/events';
import { createTestProducer, readTopics } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { ActivityModel } from '../src/modules/activity/activity.model';
import { startActivities } from '../src/service';

const CREATE = `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id company { id } contacts { id } } }`;
const ONE = `query ($id: ID!) { activity(id: $id) { id company { id } contacts { id } } }`;

const service = serviceUnderTest('activities', startActivities);
const producer = createTestProducer();
afterAll(() => producer.close());

type User = ReturnType<typeof testIdentity>;
const call = (identity: User, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);
const newId = () => new Types.ObjectId().toString();

async function activity(identity: User, companyId: string | null, contactIds: string[] = []) {
  return dataOf(await call(identity, CREATE, { input: { kind: 'MEETING', place: 'OFFICE', subject: 'Quarterly review', companyId, contactIds } })).createActivity.id as string;
}
const read = async (identity: User, id: string) => dataOf(await call(identity, ONE, { id })).activity;

describe('activities of a client', () => {
  it('name the company and people they concern, bounded, and publish them', async () => {
    const user = testIdentity(undefined, ['manager']);
    const [companyId, anna, bob] = [newId(), newId(), newId()];
    const reader = await readTopics([topics.activity]);
    try {
      const id = await activity(user, companyId, [anna, bob, anna]);
      expect(await read(user, id)).toEqual({ id, company: { id: companyId }, contacts: [{ id: anna }, { id: bob }] });
      const message = await reader.waitFor((m) => m.key === id, 'ActivityCreated');
      expect(message.event?.data).toMatchObject({ companyId, contactIds: [anna, bob] });
    } finally {
      await reader.close();
    }
    const tooMany = Array.from({ length: 21 }, newId);
    expect(errorCodes(await call(user, CREATE, { input: { kind: 'CALL', subject: 'x', contactIds: tooMany } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(user, CREATE, { input: { kind: 'CALL', subject: 'x', companyId: 'acme' } }))).toEqual(['BAD_USER_INPUT']);
    expect(await ActivityModel.countDocuments({ tenantId: user.tenantId })).toBe(1);
  });

  it('follow merges in the contacts service to the primary, within the tenant only, replays changing nothing', async () => {
    const user = testIdentity(undefined, ['manager']);
    const other = testIdentity(undefined, ['manager']);
    const [primary, merged, elsewhere, anna, annaDuplicate, bob] = [newId(), newId(), newId(), newId(), newId(), newId()];
    const atMerged = await activity(user, merged, [annaDuplicate, bob]);
    const withBoth = await activity(user, primary, [anna, annaDuplicate]);
    const untouched = await activity(user, elsewhere, [bob]);
    const theirs = await activity(other, merged, [annaDuplicate]);

    const companies = createEvent(CompaniesMerged, { tenantId: user.tenantId, aggregateId: primary }, { primaryId: primary, mergedIds: [merged] });
    const contacts = createEvent(ContactsMerged, { tenantId: user.tenantId, aggregateId: anna }, { primaryId: anna, mergedIds: [annaDuplicate] });
    await producer.send(companies);
    await producer.send(contacts);
    await producer.send(companies); // redelivered
    // Both merges, on both activities (the two topics are consumed apart, the activities one by one).
    await waitFor(
      async () => {
        const [a, b] = [await read(user, atMerged), await read(user, withBoth)];
        return a.company.id === primary && a.contacts.every((contact: { id: string }) => contact.id !== annaDuplicate) && b.contacts.length === 1;
      },
      { what: 'activities repointed' },
    );
    expect(await read(user, atMerged)).toEqual({ id: atMerged, company: { id: primary }, contacts: [{ id: anna }, { id: bob }] });
    expect(await read(user, withBoth)).toEqual({ id: withBoth, company: { id: primary }, contacts: [{ id: anna }] });
    expect(await read(user, untouched)).toEqual({ id: untouched, company: { id: elsewhere }, contacts: [{ id: bob }] });
    // The same ids in another tenant are another tenant's: untouched.
    expect(await read(other, theirs)).toEqual({ id: theirs, company: { id: merged }, contacts: [{ id: annaDuplicate }] });
  });
});
