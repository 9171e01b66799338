import { CompaniesMerged, ContactsMerged, createEvent } from '@crm/events';
import { createTestProducer } from '@crm/messaging/testing';
import { dataOf, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { DealModel } from '../src/modules/deal/deal.model';
import { startDeals } from '../src/service';
import { closeFixtures, createPipeline, publishCompany } from './fixtures';

const CREATE = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id company { id } } }`;
const DEAL = `query ($id: ID!) { deal(id: $id) { id company { id } } }`;

const service = serviceUnderTest('deals', startDeals);
const producer = createTestProducer();
afterAll(async () => {
  await producer.close();
  await closeFixtures();
});

type User = ReturnType<typeof testIdentity>;
const call = (identity: User, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);
const newId = () => new Types.ObjectId().toString();

async function dealFor(identity: User, companyId: string, pipelineId: string): Promise<string> {
  const input = { title: `Deal ${newId()}`, companyId, pipelineId, amount: 1000, currency: 'EUR' };
  return dataOf(await call(identity, CREATE, { input })).createDeal.id;
}

const companyOf = async (identity: User, dealId: string) => dataOf(await call(identity, DEAL, { id: dealId })).deal.company.id as string;

describe('merges in the contacts service', () => {
  it("repoint the merged companies' deals to the primary, within the tenant only, once however often replayed", async () => {
    const user = testIdentity(undefined, ['manager', 'head_of_sales']);
    const other = testIdentity(undefined, ['manager', 'head_of_sales']);
    const [primary, merged, untouched, pipeline] = await Promise.all([publishCompany(user, 'Acme'), publishCompany(user, 'Acme GmbH'), publishCompany(user, 'Globex'), createPipeline(service.url, user)]);
    const dealsOfMerged = [await dealFor(user, merged, pipeline.id), await dealFor(user, merged, pipeline.id)];
    const ownDeal = await dealFor(user, primary, pipeline.id);
    const otherDeal = await dealFor(user, untouched, pipeline.id);

    // Another tenant naming this tenant's ids changes nothing here.
    await producer.send(createEvent(CompaniesMerged, { tenantId: other.tenantId, aggregateId: untouched }, { primaryId: untouched, mergedIds: [merged] }));
    const event = createEvent(CompaniesMerged, { tenantId: user.tenantId, aggregateId: primary }, { primaryId: primary, mergedIds: [merged] });
    await producer.send(event);
    await producer.send(event); // a redelivery
    await waitFor(async () => (await Promise.all(dealsOfMerged.map((id) => companyOf(user, id)))).every((companyId) => companyId === primary), {
      what: "the merged company's deals repointed",
    });
    expect(await companyOf(user, ownDeal)).toBe(primary);
    expect(await companyOf(user, otherDeal)).toBe(untouched);
    expect(await DealModel.countDocuments({ tenantId: user.tenantId, companyId: merged })).toBe(0);
    expect(await DealModel.countDocuments({ tenantId: user.tenantId, companyId: primary })).toBe(3);
  });

  it("replace a merged contact in the deals' people, keeping roles and the primary once", async () => {
    const user = testIdentity(undefined, ['manager', 'head_of_sales']);
    const [company, pipeline] = await Promise.all([publishCompany(user, 'Acme'), createPipeline(service.url, user)]);
    const [anna, annaDuplicate, bob] = [newId(), newId(), newId()];
    const onlyDuplicate = await dealFor(user, company, pipeline.id);
    const both = await dealFor(user, company, pipeline.id);
    const neither = await dealFor(user, company, pipeline.id);
    // The people of a deal as the deal module stores them.
    const people = async (dealId: string, contacts: { contactId: string; role: string }[]) =>
      DealModel.updateOne({ _id: dealId, tenantId: user.tenantId }, { $set: { contacts } }, { strict: false });
    await people(onlyDuplicate, [{ contactId: annaDuplicate, role: 'DECISION_MAKER' }, { contactId: bob, role: 'USER' }]);
    await people(both, [{ contactId: annaDuplicate, role: 'INFLUENCER' }, { contactId: anna, role: 'BUYER' }]);
    await people(neither, [{ contactId: bob, role: 'USER' }]);

    await producer.send(createEvent(ContactsMerged, { tenantId: user.tenantId, aggregateId: anna }, { primaryId: anna, mergedIds: [annaDuplicate] }));
    const contactsOf = async (dealId: string) => ((await DealModel.findOne({ _id: dealId, tenantId: user.tenantId }, { contacts: 1 }).lean()) as any).contacts;
    await waitFor(async () => (await DealModel.countDocuments({ tenantId: user.tenantId, 'contacts.contactId': annaDuplicate }).setOptions({ strictQuery: false })) === 0, { what: 'the merged contact replaced' });
    expect(await contactsOf(onlyDuplicate)).toEqual([{ contactId: anna, role: 'DECISION_MAKER' }, { contactId: bob, role: 'USER' }]);
    expect(await contactsOf(both)).toEqual([{ contactId: anna, role: 'BUYER' }]);
    expect(await contactsOf(neither)).toEqual([{ contactId: bob, role: 'USER' }]);
  });
});
