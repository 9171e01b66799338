import { CompanyCreated, createEvent, topics } from '@crm/events';
import { toMessage } from '@crm/messaging';
import { readTopics, serviceUnderTest, testIdentity, testKafka, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { KnownCompanyModel } from '../src/modules/company/known-company.model';
import { startDeals } from '../src/service';

const service = serviceUnderTest('deals', startDeals);
const producer = testKafka().producer();

beforeAll(async () => {
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
});

const companyCreated = (tenantId: string, companyId: string, name: string) =>
  toMessage(createEvent(CompanyCreated, { tenantId, aggregateId: companyId }, { companyId, name }));

describe('known companies from CompanyCreated', () => {
  it('records a company once per tenant and parks an impostor from another tenant', async () => {
    const owner = testIdentity();
    const intruder = testIdentity();
    const companyId = new Types.ObjectId().toString();
    const dlq = await readTopics([topics.deadLetter]);
    try {
      await producer.send({ topic: topics.company, messages: [companyCreated(owner.tenantId, companyId, 'Real name')] });
      await waitFor(() => KnownCompanyModel.exists({ _id: companyId, tenantId: owner.tenantId }), { what: 'the company to be known' });

      await producer.send({ topic: topics.company, messages: [companyCreated(intruder.tenantId, companyId, 'Stolen name')] });
      // Other deals instances (the end-to-end stack) may park it too: look for this one's.
      const consumer = `deals.known-companies${service.env.KAFKA_GROUP_SUFFIX}`;
      const parked = await dlq.waitFor((m) => m.key === companyId && m.headers['dlq-consumer'] === consumer, 'the impostor in the dead-letter topic');
      expect(parked.headers['dlq-reason']).toBe(`company ${companyId} belongs to another tenant`);
      expect(await KnownCompanyModel.findById(companyId).lean()).toEqual({ _id: companyId, tenantId: owner.tenantId, name: 'Real name' });
    } finally {
      await dlq.close();
    }
  });
});
