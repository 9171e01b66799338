// The deal of a converted lead: deals creates it from contacts' LeadConverted with the id the
// event names, once however often the event comes, and only within the event's tenant.
import { randomUUID } from 'node:crypto';
import { CompanyCreated, createEvent, LeadConverted, topics } from '@crm/events';
import { createTestProducer, readTopics, type TopicReader } from '@crm/messaging/testing';
import { dataOf, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { DealModel } from '../src/modules/deal/deal.model';
import { startDeals } from '../src/service';
import { closeFixtures, createPipeline, publishCompany } from './fixtures';

const service = serviceUnderTest('deals', startDeals);
const producer = createTestProducer();
let deadLetters: TopicReader;
beforeAll(async () => {
  deadLetters = await readTopics([topics.deadLetter]);
});
afterAll(async () => {
  await deadLetters.close();
  await producer.close();
  await closeFixtures();
});

const newId = () => new Types.ObjectId().toString();
const converted = (tenantId: string, data: { companyId: string; pipelineId: string; dealId?: string; leadId?: string }) => {
  const leadId = data.leadId ?? newId();
  return createEvent(LeadConverted, { tenantId, aggregateId: leadId, actorId: 'anna' }, {
    leadId,
    lead: { name: 'Mara Huber', source: 'WEB_FORM', campaignId: null },
    companyId: data.companyId,
    contactId: newId(),
    dealId: data.dealId ?? newId(),
    deal: { pipelineId: data.pipelineId, title: 'Office cleaning', amount: 48000, currency: 'EUR', ownerId: 'anna', teamId: 'team-1', source: 'WEB_FORM' },
    convertedBy: 'anna',
  });
};

describe('deals of converted leads', () => {
  it('creates the deal with the event\'s id in the entry stage, once for repeated events', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const companyId = await publishCompany(head, 'Huber Logistik');
    const pipeline = await createPipeline(service.url, head);
    const event = converted(head.tenantId, { companyId, pipelineId: pipeline.id });
    // The same event twice (a redelivery), and a second conversion run's event (another event id, same deal id).
    await producer.send(event, event, { ...event, id: randomUUID() });
    const dealId = event.data.dealId!;
    // Read as an admin: the deal is anna's, outside a head of sales' teams (docs/architecture.md, "Roles and rights").
    const admin = testIdentity(head.tenantId, ['admin']);
    const deal = await waitFor(async () => dataOf(await subgraphRequest(service.url, admin, `query ($id: ID!) { deal(id: $id) { id title amount currency ownerId status stage { name } company { id } } }`, { id: dealId })).deal);
    expect(deal).toEqual({ id: dealId, title: 'Office cleaning', amount: 48000, currency: 'EUR', ownerId: 'anna', status: 'OPEN', stage: { name: pipeline.stages[0]!.name }, company: { id: companyId } });
    await new Promise((done) => setTimeout(done, 500));
    expect(await DealModel.countDocuments({ tenantId: head.tenantId, companyId })).toBe(1);
    expect((await DealModel.findById(dealId).lean())!).toMatchObject({ teamId: 'team-1', source: 'WEB_FORM', contacts: [{ contactId: event.data.contactId, role: null }] });
  });

  it('creates the deal PENDING for a company deals does not know yet, and verifies it when the company arrives', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const pipeline = await createPipeline(service.url, head);
    // Made by contacts' conversion a moment ago: its CompanyCreated has not reached deals.
    const companyId = newId();
    const event = converted(head.tenantId, { companyId, pipelineId: pipeline.id });
    await producer.send(event);
    const admin = testIdentity(head.tenantId, ['admin']);
    const DEAL = `query ($id: ID!) { deal(id: $id) { company { id } companyVerified companyReference } }`;
    const read = async () => dataOf(await subgraphRequest(service.url, admin, DEAL, { id: event.data.dealId })).deal;
    expect(await waitFor(read, { what: 'the deal of the conversion' })).toEqual({ company: { id: companyId }, companyVerified: false, companyReference: 'PENDING' });

    await producer.send(createEvent(CompanyCreated, { tenantId: head.tenantId, aggregateId: companyId }, { companyId, name: 'Huber Logistik' }));
    await waitFor(async () => (await read()).companyReference === 'VERIFIED', { what: 'the deal to be verified' });
    expect(await read()).toEqual({ company: { id: companyId }, companyVerified: true, companyReference: 'VERIFIED' });
  });

  it('parks a conversion naming another tenant\'s pipeline, company or deal id, and writes nothing', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const other = testIdentity(undefined, ['head_of_sales']);
    const theirCompany = await publishCompany(other, 'Theirs');
    const theirPipeline = await createPipeline(service.url, other);
    const ourPipeline = await createPipeline(service.url, head);
    const ourCompany = await publishCompany(head, 'Ours');
    const takenDeal = converted(other.tenantId, { companyId: theirCompany, pipelineId: theirPipeline.id });
    await producer.send(takenDeal);
    await waitFor(() => DealModel.exists({ _id: takenDeal.data.dealId }));

    const refused = [
      converted(head.tenantId, { companyId: ourCompany, pipelineId: theirPipeline.id }),
      converted(head.tenantId, { companyId: theirCompany, pipelineId: ourPipeline.id }),
      converted(head.tenantId, { companyId: ourCompany, pipelineId: ourPipeline.id, dealId: takenDeal.data.dealId! }),
    ];
    await producer.send(...refused);
    const parkedIds = () => new Set(deadLetters.messages.filter((m) => m.headers['dlq-consumer']?.startsWith('deals.lead-conversions')).map((m) => m.key));
    await waitFor(() => refused.every((event) => parkedIds().has(event.aggregateId)), { what: 'the three conversions parked' });
    expect(await DealModel.countDocuments({ tenantId: head.tenantId, pipelineId: { $in: [ourPipeline.id, theirPipeline.id] } })).toBe(0);
    expect((await DealModel.findById(takenDeal.data.dealId).lean())!.tenantId).toBe(other.tenantId);
  });
});
