import { readTopics } from '@crm/messaging/testing';
import { parseEvent, topics } from '@crm/events';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { DealModel } from '../src/modules/deal/deal.model';
import { startDeals } from '../src/service';
import { closeFixtures, createPipeline, publishCompany } from './fixtures';

const CREATE = `mutation ($input: CreateDealInput!) {
  createDeal(input: $input) { id title amount currency status ownerId company { id } stage { id name position } pipeline { id } }
}`;
const MOVE = `mutation ($id: ID!, $stageId: ID!) {
  moveDealToStage(id: $id, stageId: $stageId) { id stage { name } stageHistory { from { name } to { name } movedBy } }
}`;

const service = serviceUnderTest('deals', startDeals);
const manager = testIdentity(undefined, ['manager', 'head_of_sales']);
const call = (query: string, variables?: object, identity = manager) => subgraphRequest(service.url, identity, query, variables);

afterAll(closeFixtures);

async function newDeal(identity = manager) {
  const [companyId, pipeline] = await Promise.all([publishCompany(identity), createPipeline(service.url, identity)]);
  const input = { title: 'Cleaning contract', companyId, pipelineId: pipeline.id, amount: 12000, currency: 'eur' };
  const { createDeal } = dataOf(await call(CREATE, { input }, identity));
  return { deal: createDeal, pipeline, companyId };
}

describe('deals', () => {
  it('starts a deal OPEN in the first stage, owned by the caller, for a known company', async () => {
    const { deal, pipeline, companyId } = await newDeal();
    expect(deal).toMatchObject({
      title: 'Cleaning contract',
      amount: 12000,
      currency: 'EUR',
      status: 'OPEN',
      ownerId: manager.userId,
      company: { id: companyId },
      stage: { id: pipeline.stages[0]!.id, name: 'Lead', position: 0 },
      pipeline: { id: pipeline.id },
    });
  });

  it('moves a deal, records who moved it and publishes DealStageChanged', async () => {
    const reader = await readTopics([topics.deal]);
    try {
      const { deal, pipeline } = await newDeal();
      const { moveDealToStage } = dataOf(await call(MOVE, { id: deal.id, stageId: pipeline.stages[2]!.id }));
      expect(moveDealToStage.stage.name).toBe('Proposal');
      expect(moveDealToStage.stageHistory).toEqual([
        { from: null, to: { name: 'Lead' }, movedBy: manager.userId },
        { from: { name: 'Lead' }, to: { name: 'Proposal' }, movedBy: manager.userId },
      ]);
      const created = await reader.waitFor((m) => m.key === deal.id && m.event?.type === 'DealCreated');
      const moved = await reader.waitFor((m) => m.key === deal.id && m.event?.type === 'DealStageChanged');
      expect(parseEvent(created.event)).toMatchObject({ data: { stage: { name: 'Lead', position: 0 }, amount: 12000, currency: 'EUR' } });
      expect(parseEvent(moved.event)).toMatchObject({
        tenantId: manager.tenantId,
        aggregateId: deal.id,
        data: { dealId: deal.id, title: 'Cleaning contract', ownerId: manager.userId, fromStage: { name: 'Lead' }, toStage: { name: 'Proposal', position: 2 } },
      });
      // One aggregate's events are in order: they share a key, hence a partition.
      expect(reader.messages.indexOf(created)).toBeLessThan(reader.messages.indexOf(moved));
    } finally {
      await reader.close();
    }
  });

  it('treats a move to the current stage as a no-op', async () => {
    const { deal, pipeline } = await newDeal();
    const { moveDealToStage } = dataOf(await call(MOVE, { id: deal.id, stageId: pipeline.stages[0]!.id }));
    expect(moveDealToStage.stageHistory).toHaveLength(1);
  });

  it('rejects a stage of another pipeline, and unknown or malformed ids, writing nothing', async () => {
    const { deal } = await newDeal();
    const other = await createPipeline(service.url, manager, ['X', 'Y']);
    expect(errorCodes(await call(MOVE, { id: deal.id, stageId: other.stages[1]!.id }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(MOVE, { id: '0123456789abcdef01234567', stageId: other.stages[1]!.id }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(MOVE, { id: 'nope', stageId: other.stages[1]!.id }))).toEqual(['BAD_USER_INPUT']);
    const stored = await DealModel.findById(deal.id).lean();
    expect(stored?.stageHistory).toHaveLength(1);
  });

  it.each([
    [{ currency: 'EURO' }, 'BAD_USER_INPUT'],
    [{ currency: 'XYZ' }, 'BAD_USER_INPUT'],
    [{ amount: -5 }, 'BAD_USER_INPUT'],
    [{ title: '  ' }, 'BAD_USER_INPUT'],
    [{ companyId: '0123456789abcdef01234567' }, 'NOT_FOUND'],
    [{ pipelineId: '0123456789abcdef01234567' }, 'NOT_FOUND'],
    [{ pipelineId: 'bad' }, 'BAD_USER_INPUT'],
  ])('rejects createDeal with %j as %s and writes nothing', async (change, code) => {
    const tenant = testIdentity(undefined, ['admin']);
    const [companyId, pipeline] = await Promise.all([publishCompany(tenant), createPipeline(service.url, tenant)]);
    const input = { title: 'T', companyId, pipelineId: pipeline.id, amount: 1, currency: 'USD', ...change };
    expect(errorCodes(await call(CREATE, { input }, tenant))).toEqual([code]);
    expect(await DealModel.countDocuments({ tenantId: tenant.tenantId })).toBe(0);
  });

  it("keeps tenants apart: another tenant's deal, company and pipeline are not found", async () => {
    const { deal, pipeline, companyId } = await newDeal();
    const eve = testIdentity(undefined, ['admin']);
    expect(dataOf(await call(`query ($id: ID!) { deal(id: $id) { id } }`, { id: deal.id }, eve)).deal).toBeNull();
    expect(errorCodes(await call(MOVE, { id: deal.id, stageId: pipeline.stages[1]!.id }, eve))).toEqual(['NOT_FOUND']);
    const [evePipeline] = [await createPipeline(service.url, eve)];
    const foreignCompany = await call(CREATE, { input: { title: 'T', companyId, pipelineId: evePipeline.id, amount: 1, currency: 'USD' } }, eve);
    expect(errorCodes(foreignCompany)).toEqual(['NOT_FOUND']);
    const eveCompany = await publishCompany(eve);
    const foreignPipeline = await call(CREATE, { input: { title: 'T', companyId: eveCompany, pipelineId: pipeline.id, amount: 1, currency: 'USD' } }, eve);
    expect(errorCodes(foreignPipeline)).toEqual(['NOT_FOUND']);
    expect(await DealModel.countDocuments({ tenantId: eve.tenantId })).toBe(0);
  });
});
