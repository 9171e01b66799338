import { CompanyCreated, createEvent } from '@crm/events';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import type { Identity } from '@crm/auth';
import { Types } from 'mongoose';
import { CompanyReferenceModel } from '../src/modules/company/company-reference.model';
import { KnownCompanyModel } from '../src/modules/company/known-company.model';
import { DealModel } from '../src/modules/deal/deal.model';
import { startDeals } from '../src/service';
import { closeFixtures, createPipeline, fixtureProducer as producer } from './fixtures';

// Short settings, so that a deal goes PENDING soon and is flagged within the test. The wait still
// outlasts the known-companies consumer on a loaded CI machine (it works off every test file's
// company events), or the first case would see PENDING for a company event on its way.
const service = serviceUnderTest('deals', (env) =>
  startDeals({ ...env, DEAL_COMPANY_WAIT_MS: '6000', DEAL_COMPANY_DEADLINE_MS: '5000', DEAL_COMPANY_SWEEP_MS: '250' }),
);
afterAll(closeFixtures);

const CREATE = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id companyVerified companyReference company { id } } }`;
const DEAL = `query ($id: ID!) { deal(id: $id) { companyVerified companyReference } }`;

const createDeal = (identity: Identity, companyId: string, pipelineId: string) =>
  subgraphRequest(service.url, identity, CREATE, { input: { title: 'Office cleaning', companyId, pipelineId, amount: 1000, currency: 'EUR' } });
const referenceOf = async (identity: Identity, dealId: string) => dataOf(await subgraphRequest(service.url, identity, DEAL, { id: dealId })).deal;
const companyCreated = (tenantId: string, companyId: string) => createEvent(CompanyCreated, { tenantId, aggregateId: companyId }, { companyId, name: 'Just created' });

/** The known-company consumer of the service under test, to hold it back (a lagging consumer). */
const knownCompanies = () => service.running.consumers.find((consumer) => consumer.groupId.startsWith('deals.known-companies'))!;

describe('read your own writes: a deal for a company created a moment ago', () => {
  it('waits for the company event when it is on its way, and answers VERIFIED', async () => {
    const owner = testIdentity();
    const pipeline = await createPipeline(service.url, owner);
    const companyId = new Types.ObjectId().toString();
    await producer.send(companyCreated(owner.tenantId, companyId)); // not waited for: createDeal does
    const deal = dataOf(await createDeal(owner, companyId, pipeline.id)).createDeal;
    expect(deal).toEqual({ id: expect.any(String), companyVerified: true, companyReference: 'VERIFIED', company: { id: companyId } });
    expect(await CompanyReferenceModel.exists({ _id: deal.id })).toBeNull();
  });

  it('accepts the deal PENDING while the consumer lags, and verifies it once the event is consumed', async () => {
    const owner = testIdentity();
    const pipeline = await createPipeline(service.url, owner);
    const companyId = new Types.ObjectId().toString();
    await knownCompanies().stop();
    try {
      await producer.send(companyCreated(owner.tenantId, companyId));
      const deal = dataOf(await createDeal(owner, companyId, pipeline.id)).createDeal;
      expect(deal).toMatchObject({ companyVerified: false, companyReference: 'PENDING', company: { id: companyId } });
      expect(await DealModel.findById(deal.id).lean()).toMatchObject({ tenantId: owner.tenantId, companyId });
      expect(await referenceOf(owner, deal.id)).toEqual({ companyVerified: false, companyReference: 'PENDING' });
      await knownCompanies().start();
      await waitFor(async () => (await referenceOf(owner, deal.id)).companyVerified, { what: 'the deal to be verified', timeoutMs: 30_000 });
    } finally {
      if (!knownCompanies().joined) await knownCompanies().start();
    }
  });

  it('flags the deal MISSING when the company never comes, and verifies it if it comes late', async () => {
    const owner = testIdentity();
    const pipeline = await createPipeline(service.url, owner);
    const companyId = new Types.ObjectId().toString();
    const deal = dataOf(await createDeal(owner, companyId, pipeline.id)).createDeal;
    expect(deal.companyReference).toBe('PENDING');
    await waitFor(async () => (await referenceOf(owner, deal.id)).companyReference === 'MISSING', { what: 'the deal to be flagged' });
    await producer.send(companyCreated(owner.tenantId, companyId));
    await waitFor(async () => (await referenceOf(owner, deal.id)).companyReference === 'VERIFIED', { what: 'the late company to verify the deal' });
  });

  it("never verifies a deal with another tenant's company, and refuses it at once once known there", async () => {
    const owner = testIdentity();
    const eve = testIdentity();
    const evePipeline = await createPipeline(service.url, eve);
    const companyId = new Types.ObjectId().toString();
    const early = dataOf(await createDeal(eve, companyId, evePipeline.id)).createDeal;
    expect(early.companyReference).toBe('PENDING');
    await producer.send(companyCreated(owner.tenantId, companyId));
    await waitFor(() => KnownCompanyModel.exists({ _id: companyId, tenantId: owner.tenantId }), { what: "the owner's company" });
    await waitFor(async () => (await referenceOf(eve, early.id)).companyReference === 'MISSING', { what: "eve's deal to be flagged" });
    expect(errorCodes(await createDeal(eve, companyId, evePipeline.id))).toEqual(['NOT_FOUND']);
    expect(await DealModel.countDocuments({ tenantId: eve.tenantId })).toBe(1);
  });

  it('checks the whole input before recording anything for a company not known yet: a refused deal leaves no reference', async () => {
    const owner = testIdentity();
    const pipeline = await createPipeline(service.url, owner);
    const companyId = new Types.ObjectId().toString();
    const base = { title: 'Office cleaning', companyId, pipelineId: pipeline.id, currency: 'EUR' };
    const refusals = [
      { input: base, field: 'amount' }, // neither an amount nor line items
      { input: { ...base, lineItems: [{ product: 'X', quantity: 1e7, unitPrice: 1e10 }] }, field: 'lineItems' },
    ];
    for (const { input, field } of refusals) {
      const answer = await subgraphRequest(service.url, owner, CREATE, { input });
      expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
      expect(answer.errors?.[0]?.extensions?.field).toBe(field);
    }
    expect(await CompanyReferenceModel.countDocuments({ tenantId: owner.tenantId })).toBe(0);
    expect(await DealModel.countDocuments({ tenantId: owner.tenantId })).toBe(0);
  });

  it('refuses at once an unknown company id too old to be on its way', async () => {
    const owner = testIdentity();
    const pipeline = await createPipeline(service.url, owner);
    const hourAgo = Types.ObjectId.createFromTime(Math.floor(Date.now() / 1000) - 3600).toString();
    const future = Types.ObjectId.createFromTime(Math.floor(Date.now() / 1000) + 3600).toString();
    expect(errorCodes(await createDeal(owner, hourAgo, pipeline.id))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await createDeal(owner, future, pipeline.id))).toEqual(['NOT_FOUND']);
    expect(await DealModel.countDocuments({ tenantId: owner.tenantId })).toBe(0);
    expect(await CompanyReferenceModel.countDocuments({ tenantId: owner.tenantId, companyId: hourAgo })).toBe(0);
  });
});
