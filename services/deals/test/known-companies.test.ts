import { CompaniesMerged, CompanyCompletenessChanged, CompanyCreated, CompanyRiskFlagsChanged, CompanyUpdated, createEvent, topics } from '@crm/events';
import { readTopics } from '@crm/messaging/testing';
import { serviceUnderTest, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { ConcessionModel } from '../src/modules/concession/concession.model';
import { DealModel } from '../src/modules/deal/deal.model';
import { KnownCompanyModel } from '../src/modules/company/known-company.model';
import { PurchaseModel } from '../src/modules/purchase/purchase.model';
import { startDeals } from '../src/service';
import { closeFixtures, createDeal, createPipeline, fixtureProducer as producer, publishCompany } from './fixtures';

const service = serviceUnderTest('deals', startDeals);
afterAll(closeFixtures);

const companyCreated = (tenantId: string, companyId: string, name: string) =>
  createEvent(CompanyCreated, { tenantId, aggregateId: companyId }, { companyId, name });
/** Meta of an event that happened at `at` (for order tests: contacts' clock, not the send order). */
const metaAt = (tenantId: string, companyId: string, at: string) => ({ tenantId, aggregateId: companyId, occurredAt: new Date(at) });
const known = (companyId: string) => KnownCompanyModel.findById(companyId).lean();

describe('known companies from the contacts events', () => {
  it('records a company once per tenant and parks an impostor from another tenant', async () => {
    const owner = testIdentity();
    const intruder = testIdentity();
    const companyId = new Types.ObjectId().toString();
    const dlq = await readTopics([topics.deadLetter]);
    try {
      await producer.send(companyCreated(owner.tenantId, companyId, 'Real name'));
      await waitFor(() => KnownCompanyModel.exists({ _id: companyId, tenantId: owner.tenantId }), { what: 'the company to be known' });

      await producer.send(companyCreated(intruder.tenantId, companyId, 'Stolen name'));
      // Other deals instances (the end-to-end stack) may park it too: look for this one's.
      const consumer = `deals.known-companies${service.env.KAFKA_GROUP_SUFFIX}`;
      const parked = await dlq.waitFor((m) => m.key === companyId && m.headers['dlq-consumer'] === consumer, 'the impostor in the dead-letter topic');
      expect(parked.headers['dlq-reason']).toBe(`company ${companyId} belongs to another tenant`);
      expect(await known(companyId)).toMatchObject({ _id: companyId, tenantId: owner.tenantId, name: 'Real name' });
    } finally {
      await dlq.close();
    }
  });

  it('keeps the newest name, completeness and risk flags whatever order the events arrive in, and replays change nothing', async () => {
    const { tenantId } = testIdentity();
    const companyId = new Types.ObjectId().toString();
    const meta = (at: string) => metaAt(tenantId, companyId, at);
    const newer = [
      createEvent(CompanyCreated, meta('2026-11-01T10:00:00Z'), { companyId, name: 'Nordwind' }),
      createEvent(CompanyUpdated, meta('2026-11-02T10:00:00Z'), { companyId, name: 'Nordwind Logistik GmbH', changes: [{ field: 'name', from: 'Nordwind', to: 'Nordwind Logistik GmbH' }] }),
      createEvent(CompanyCompletenessChanged, meta('2026-11-03T10:00:00Z'), { companyId, percent: 100, missing: [] }),
      createEvent(CompanyRiskFlagsChanged, meta('2026-11-03T10:00:00Z'), { companyId, riskFlags: ['LITIGATION'] }),
    ];
    // Older states arriving late (a replay of an old offset, a retried publish).
    const older = [
      createEvent(CompanyCompletenessChanged, meta('2026-11-02T09:00:00Z'), { companyId, percent: 40, missing: ['industry', 'profile.solvency'] }),
      createEvent(CompanyRiskFlagsChanged, meta('2026-11-02T09:00:00Z'), { companyId, riskFlags: [] }),
      createEvent(CompanyUpdated, meta('2026-11-01T12:00:00Z'), { companyId, name: 'Old name', changes: [{ field: 'name', from: 'x', to: 'Old name' }] }),
    ];
    // The last one, on the same partition (same key): once it is applied, so is everything before it.
    const last = createEvent(CompanyUpdated, meta('2026-11-04T10:00:00Z'), { companyId, name: 'Nordwind Logistik SE', changes: [{ field: 'name', from: 'GmbH', to: 'SE' }] });
    await producer.send(...newer, ...older, ...newer, last);
    await waitFor(async () => (await known(companyId))?.name === 'Nordwind Logistik SE', { what: 'the last event to be applied' });
    expect(await known(companyId)).toMatchObject({
      tenantId,
      completenessPercent: 100,
      completenessMissing: [],
      completenessAt: new Date('2026-11-03T10:00:00Z'),
      riskFlags: ['LITIGATION'],
      nameAt: new Date('2026-11-04T10:00:00Z'),
    });
  });

  it('applies events of the same occurredAt in the order of the topic: the later one wins', async () => {
    const { tenantId } = testIdentity();
    const companyId = new Types.ObjectId().toString();
    const sameTime = metaAt(tenantId, companyId, '2026-11-05T10:00:00Z');
    await producer.send(
      createEvent(CompanyCreated, sameTime, { companyId, name: 'Brightway' }),
      createEvent(CompanyCompletenessChanged, sameTime, { companyId, percent: 100, missing: [] }),
      createEvent(CompanyRiskFlagsChanged, sameTime, { companyId, riskFlags: [] }),
      // Within the same millisecond the profile lost a field and got a flag (one edit, several events).
      createEvent(CompanyCompletenessChanged, sameTime, { companyId, percent: 80, missing: ['profile.solvency'] }),
      createEvent(CompanyRiskFlagsChanged, sameTime, { companyId, riskFlags: ['LITIGATION'] }),
      // The last one, later, on the same partition: once it is applied, so is everything before it.
      createEvent(CompanyUpdated, metaAt(tenantId, companyId, '2026-11-05T11:00:00Z'), { companyId, name: 'Brightway GmbH', changes: [{ field: 'name', from: 'Brightway', to: 'Brightway GmbH' }] }),
    );
    await waitFor(async () => (await known(companyId))?.name === 'Brightway GmbH', { what: 'the last event to be applied' });
    expect(await known(companyId)).toMatchObject({ completenessPercent: 80, completenessMissing: ['profile.solvency'], riskFlags: ['LITIGATION'] });
  });

  it('repoints deals, concessions and purchases of merged companies to the primary, in the tenant only', async () => {
    const owner = testIdentity(undefined, ['head_of_sales']);
    const other = testIdentity(undefined, ['head_of_sales']);
    const [primaryId, duplicateId, pipeline] = await Promise.all([publishCompany(owner, 'Primary'), publishCompany(owner, 'Duplicate'), createPipeline(service.url, owner)]);
    const deal = await createDeal(service.url, owner, duplicateId, pipeline.id);
    const concession = await ConcessionModel.create({
      tenantId: owner.tenantId, dealId: deal.id, companyId: duplicateId, kind: 'TRADE_CREDIT', creditDays: 30, rationale: 'r', requestedBy: owner.userId, status: 'PENDING',
    });
    await PurchaseModel.create({ _id: `${owner.tenantId}:SO-1`, tenantId: owner.tenantId, companyId: duplicateId, orderId: 'SO-1', ordered: false });
    // Another tenant's records with the same company id (ids are global; a forged reference) stay as they are.
    await PurchaseModel.create({ _id: `${other.tenantId}:SO-1`, tenantId: other.tenantId, companyId: duplicateId, orderId: 'SO-1', ordered: false });

    const merge = createEvent(CompaniesMerged, { tenantId: owner.tenantId, aggregateId: primaryId }, { primaryId, mergedIds: [duplicateId] });
    await producer.send(merge, merge);
    await waitFor(async () => (await known(duplicateId))?.mergedInto === primaryId && (await PurchaseModel.findById(`${owner.tenantId}:SO-1`).lean())?.companyId === primaryId, {
      what: 'the merge to be applied',
    });
    expect((await DealModel.findById(deal.id).lean())?.companyId).toBe(primaryId);
    expect((await ConcessionModel.findById(concession._id).lean())?.companyId).toBe(primaryId);
    expect((await PurchaseModel.findById(`${other.tenantId}:SO-1`).lean())?.companyId).toBe(duplicateId);

    // A deal asked for the merged company later lands on the primary.
    const late = await createDeal(service.url, owner, duplicateId, pipeline.id, 'Late');
    expect((await DealModel.findById(late.id).lean())?.companyId).toBe(primaryId);
    expect(late.companyVerified).toBe(true);
  });
});
