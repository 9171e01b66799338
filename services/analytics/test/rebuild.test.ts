import { CompanyCreated, CompanyUpdated, createEvent, type Envelope } from '@crm/events';
import { dataOf, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { funnelId } from '../src/modules/funnel/funnel.model';
import { startAnalytics } from '../src/service';
import { connectProducer, newId, republished } from './events';
import { dealStory, pipelineWith, waitAnalytics, waitProcessedBy } from './facts-events';
import { countersOnly, without, type Doc } from './read-models';

const service = serviceUnderTest('analytics', startAnalytics);
const alice = testIdentity();
const rebuildDb = () => `${service.env.MONGODB_DB}_rb`;
let pipelineIds: string[] = [];
let companyIds: string[] = [];

/** The tenant's read models in one database, by indexed or key queries, volatile fields left out. */
async function readModels(dbName: string) {
  const db = mongoose.connection.useDb(dbName, { useCache: false });
  const tenantId = alice.tenantId;
  const list = (name: string, filter: Doc) => db.collection(name).find(filter).sort({ _id: 1 }).toArray() as Promise<Doc[]>;
  return {
    deal_facts: (await list('deal_facts', { tenantId })).map((doc) => without(doc, 'rev', 'confirmed')),
    deal_counters: (await list('deal_counters', { tenantId, kind: { $in: ['funnel', 'results', 'lost', 'forecast'] } }))
      .map((doc) => ({ ...without(doc, 'applied', 'fence'), c: countersOnly(doc.c) }))
      .filter((doc) => Object.keys(doc.c as Doc).length > 0),
    deal_stage_spans: (await list('deal_stage_spans', { tenantId, pipelineId: { $in: pipelineIds } })).map((doc) => without(doc, 'rev')),
    company_facts: await list('company_facts', { tenantId }),
    deal_progress: await list('deal_progress', { tenantId }),
    funnel_counts: (await list('funnel_counts', { tenantId, _id: { $in: pipelineIds.map((id) => funnelId(tenantId, id)) } })).map((doc) => ({ ...without(doc, 'updatedAt', 'applied', 'fence'), counts: countersOnly(doc.counts) })),
    pipelines: (await list('pipelines', { tenantId, _id: { $in: pipelineIds } })).map((doc) => without(doc, 'updatedAt')),
    money_settings: (await list('money_settings', { tenantId, _id: tenantId })).map((doc) => without(doc, 'updatedAt')),
    // ABC and manager activity's revenue facts and their counters (modules/won-deals, fact-counters).
    sales_facts: (await list('sales_facts', { tenantId, companyId: { $in: companyIds } })).map((doc) => without(doc, 'version')),
    fact_counters: (await list('fact_counters', { tenantId, kind: { $in: ['company-revenue'] }, period: { $in: ['2026-02', '2026-03'] } }))
      .map((doc) => ({ ...without(doc, 'applied', 'updatedAt'), values: countersOnly(doc.values) }))
      .filter((doc) => Object.keys(doc.values as Doc).length > 0),
  };
}

describe('npm run analytics:rebuild', () => {
  it('replays the topics into a fresh database whose read models equal the live ones', async () => {
    const since = new Date(Date.now() - 1000);
    const producer = await connectProducer();
    const pipeline = pipelineWith(alice.tenantId, [
      { name: 'Lead', probability: 0.1, expectedDurationDays: 3 },
      { name: 'Offer', probability: 0.5 },
      { name: 'Won', kind: 'WON', probability: 1 },
      { name: 'Lost', kind: 'LOST', probability: 0 },
    ]);
    pipelineIds = [pipeline.pipelineId];
    const companyId = newId();
    const story = (spec: Omit<Parameters<typeof dealStory>[3], 'createdAt'>, createdAt = '2026-02-01T09:00:00.000Z') => dealStory(alice.tenantId, pipeline.pipelineId, pipeline.stages, { createdAt, ...spec });
    const deals = [
      story({ companyId, ownerId: 'user-anna', source: 'WEB_FORM', expectedCloseDate: '2026-05-01' }).move(1, '2026-02-03T09:00:00.000Z').move(2, '2026-02-09T09:00:00.000Z'),
      story({ companyId, ownerId: 'user-bob', amount: 700, currency: 'USD', expectedCloseDate: '2026-04-01' }).move(2, '2026-02-05T09:00:00.000Z').move(0, '2026-02-06T09:00:00.000Z'),
      story({ ownerId: 'user-bob', teamId: 'south', amount: 300 }).move(3, '2026-02-07T09:00:00.000Z', 'Timing').reopen(1, '2026-02-08T09:00:00.000Z'),
      story({ ownerId: 'user-anna', territoryId: 'berlin', expectedCloseDate: '2026-03-10' }, '2026-03-01T09:00:00.000Z')
        .update('2026-03-02T09:00:00.000Z', [{ field: 'amount', from: 1000, to: 1500 }, { field: 'lineItems', from: [], to: [{ product: 'Mop', quantity: 3, unitPrice: 500 }] }])
        .move(3, '2026-03-05T09:00:00.000Z', 'Price'),
    ];
    const company = [
      createEvent(CompanyCreated, { tenantId: alice.tenantId, aggregateId: companyId, occurredAt: new Date('2026-01-01T00:00:00.000Z') }, { companyId, name: 'Nordwind' }),
      createEvent(CompanyUpdated, { tenantId: alice.tenantId, aggregateId: companyId, occurredAt: new Date('2026-02-20T00:00:00.000Z') }, { companyId, name: 'Nordwind', changes: [{ field: 'industry', from: null, to: 'Logistics' }] }),
    ];
    const history: Envelope[] = [pipeline.event, ...company, ...deals.flatMap((deal) => deal.events)];
    // Redeliveries and a re-publication of part of the history under new ids, as the live consumers met them.
    const replayed = [history[3]!, history[3]!, ...deals[0]!.events.map(republished)];
    await producer.send(...history, ...replayed);
    await producer.close();
    await waitAnalytics([...history, ...replayed], service.env);
    companyIds = [...new Set(deals.map((deal) => deal.events[0]!.data.companyId as string))];
    await waitProcessedBy('analytics.sales-facts', [...history, ...replayed].filter((event) => ['DealCreated', 'DealWon', 'DealLost', 'DealReopened', 'DealUpdated'].includes(event.type)), service.env);
    dataOf(await subgraphRequest(service.url, alice, `mutation { setExchangeRates(rates: [{ currency: "USD", rate: 0.9 }]) { currency } }`));

    const live = await readModels(service.env.MONGODB_DB!);
    expect(live.deal_facts).toHaveLength(4);
    expect(live.deal_counters.length).toBeGreaterThan(20);
    expect(live.deal_stage_spans).toHaveLength(11);
    expect(live.sales_facts).toHaveLength(4);

    try {
      await rebuildAndCompare(since, live);
    } finally {
      await mongoose.connection.useDb(rebuildDb(), { useCache: false }).dropDatabase();
    }
  }, 180_000);
});

async function rebuildAndCompare(since: Date, live: Awaited<ReturnType<typeof readModels>>) {
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '..', 'dist', 'rebuild.js')], {
      env: { ...service.env, REBUILD_DB: rebuildDb(), REBUILD_SINCE: since.toISOString(), REBUILD_TIMEOUT_MS: '120000', CONSUMER_RETRY_ATTEMPTS: '2' },
      timeout: 150_000,
    });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ rebuilt: rebuildDb(), from: since.toISOString() });

    expect(await readModels(rebuildDb())).toEqual(live);
}
