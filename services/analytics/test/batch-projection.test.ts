import { catalogue, type Envelope } from '@crm/events';
import type { Subscription } from '@crm/messaging';
import { serviceUnderTest, testIdentity } from '@crm/testing';
import mongoose from 'mongoose';
import pino from 'pino';
import { factsConsumer } from '../src/modules/deal-facts/facts.consumer';
import { funnelConsumer } from '../src/modules/funnel/funnel.consumer';
import { funnelId } from '../src/modules/funnel/funnel.model';
import { startAnalytics } from '../src/service';
import { dealStory, pipelineWith, type KindedStage } from './facts-events';
import { countersOnly, without, type Doc } from './read-models';

/*
 * The deal facts' and the funnel's batch handlers against their per-event handlers: the same
 * histories (skipped stages, a move back, lost, won, reopened, a change of owner and amount,
 * repeated events), projected one event at a time in one tenant and in batches in another,
 * leave the same facts, spans and counters.
 */
serviceUnderTest('analytics', startAnalytics);

const silent = pino({ level: 'silent' });
const consumers = [factsConsumer, funnelConsumer];

/** What the consumer runner does with one event: each consumer's handler of its type. */
async function oneByOne(events: Envelope[]): Promise<void> {
  for (const event of events) {
    for (const consumer of consumers) {
      const subscription = consumer.handlers.find((handler) => handler.definition.type === event.type) as Subscription | undefined;
      if (!subscription) continue;
      const data = catalogue.read(subscription.definition, event);
      await subscription.handle(data, { ...event, data }, { logger: silent, consumer: consumer.groupId });
    }
  }
}

/** What it does with a fetched batch of the deals topic: each consumer's batch handler, with the events it takes. */
async function inBatches(events: Envelope[], size: number): Promise<void> {
  for (let at = 0; at < events.length; at += size) {
    const batch = events.slice(at, at + size);
    for (const consumer of consumers) {
      const types = new Set(consumer.batch!.definitions.map((definition) => definition.type));
      const own = batch.filter((event) => types.has(event.type)).map((event) => ({ ...event, data: catalogue.read(consumer.handlers.find((handler) => handler.definition.type === event.type)!.definition, event) }));
      if (own.length > 0) await consumer.batch!.handle(own, { logger: silent, consumer: consumer.groupId });
    }
  }
}

/** One tenant's histories; the same in every tenant, but for their ids. */
function histories(tenantId: string) {
  const { pipelineId, stages, event: pipeline } = pipelineWith(tenantId, [
    { name: 'Lead', probability: 0.1 },
    { name: 'Qualified', probability: 0.3 },
    { name: 'Proposal', probability: 0.6 },
    { name: 'Won', kind: 'WON', probability: 1 },
    { name: 'Lost', kind: 'LOST', probability: 0 },
  ]);
  const story = (spec: Parameters<typeof dealStory>[3]) => dealStory(tenantId, pipelineId, stages as KindedStage[], spec);
  const deals = [
    story({ createdAt: '2026-02-02T09:00:00Z', ownerId: 'user-anna', source: 'WEB_FORM' }).move(1, '2026-02-03T09:00:00Z').move(2, '2026-02-05T09:00:00Z').move(3, '2026-02-09T09:00:00Z'),
    story({ createdAt: '2026-02-02T10:00:00Z', ownerId: 'user-ben', teamId: 'team-north', amount: 2500 }).move(2, '2026-02-04T10:00:00Z').move(1, '2026-02-06T10:00:00Z').move(4, '2026-02-10T10:00:00Z', 'Budget'),
    story({ createdAt: '2026-02-03T11:00:00Z', ownerId: 'user-anna', currency: 'USD', amount: 700 }).move(4, '2026-02-04T11:00:00Z', 'Timing').reopen(1, '2026-02-12T11:00:00Z').move(3, '2026-02-20T11:00:00Z'),
    story({ createdAt: '2026-02-04T12:00:00Z', ownerId: 'user-carl', territoryId: 'terr-south', expectedCloseDate: '2026-04-30' })
      .update('2026-02-05T12:00:00Z', [{ field: 'ownerId', from: 'user-carl', to: 'user-anna' }, { field: 'amount', from: 1000, to: 4200 }])
      .move(1, '2026-02-06T12:00:00Z'),
    story({ createdAt: '2026-03-01T08:00:00Z', ownerId: 'user-ben', source: 'REFERRAL' }),
  ];
  // Interleaved as a topic holds them, with two events delivered twice (a redelivery).
  const longest = Math.max(...deals.map((deal) => deal.events.length));
  const events = Array.from({ length: longest }, (_, n) => deals.flatMap((deal) => (deal.events[n] ? [deal.events[n]!] : []))).flat();
  events.splice(7, 0, events[3]!);
  events.push(events[10]!);
  return { tenantId, pipeline, pipelineId, stages, deals, events };
}

/** Every id of one tenant's histories, in order, to name them alike across tenants. */
const idsOf = (h: ReturnType<typeof histories>) => [
  h.pipelineId,
  ...h.stages.map((stage) => stage.id),
  ...h.deals.flatMap((deal) => [deal.dealId, (deal.events[0]!.data as { companyId: string }).companyId]),
  ...h.events.map((event) => event.id),
];

async function readModels(h: ReturnType<typeof histories>): Promise<Doc> {
  const { tenantId, pipelineId } = h;
  const dealIds = h.deals.map((deal) => deal.dealId);
  const list = (name: string, filter: Doc) => mongoose.connection.collection(name).find({ tenantId, ...filter }).toArray() as Promise<Doc[]>;
  const byDeal = (docs: Doc[]) => docs.sort((a, b) => dealIds.indexOf(String(a.dealId ?? a._id)) - dealIds.indexOf(String(b.dealId ?? b._id)) || String(a._id).localeCompare(String(b._id)));
  const models = {
    deal_facts: byDeal(await list('deal_facts', { _id: { $in: dealIds } })).map((doc) => without(doc, 'rev', 'confirmed')),
    // `rev`: the claim that wrote a span last (one per deal and batch here, one per event there).
    deal_stage_spans: byDeal(await list('deal_stage_spans', { pipelineId })).map((doc) => without(doc, 'rev')),
    deal_progress: byDeal(await list('deal_progress', { _id: { $in: dealIds } })),
    deal_counters: (await list('deal_counters', { kind: { $in: ['funnel', 'results', 'lost', 'forecast'] } }))
      .map((doc): Doc => ({ ...without(doc, 'applied', 'fence', '_id'), c: countersOnly(doc.c) }))
      .filter((doc) => Object.keys(doc.c as Doc).length > 0)
      .sort((a, b) => JSON.stringify([a.kind, a.dim, a.value, a.month]).localeCompare(JSON.stringify([b.kind, b.dim, b.value, b.month]))),
    funnel_counts: (await list('funnel_counts', { _id: funnelId(tenantId, pipelineId) })).map((doc) => ({ ...without(doc, 'updatedAt', 'applied', 'fence', '_id'), counts: countersOnly(doc.counts) })),
  };
  // The ids of this tenant's histories become their place in them (ids inside the counters' ids and keys as well).
  let text = JSON.stringify(models);
  idsOf(h).forEach((id, n) => (text = text.split(id).join(`#${n}`)));
  return JSON.parse(text.split(tenantId).join('#tenant')) as Doc;
}

describe('analytics batch handlers', () => {
  it('leave the same facts, spans and counters as one event at a time', async () => {
    const single = histories(testIdentity().tenantId);
    const batched = histories(testIdentity().tenantId);
    await oneByOne([single.pipeline, ...single.events]);
    await oneByOne([batched.pipeline]);
    // Batches of 4 cut the deals' histories in several places; a deal's events may also come in one batch.
    await inBatches(batched.events.slice(0, 12), 4);
    await inBatches(batched.events.slice(12), 50);
    const expected = await readModels(single);
    expect((expected.deal_facts as Doc[]).length).toBe(5);
    expect((expected.deal_counters as Doc[]).length).toBeGreaterThan(10);
    expect(await readModels(batched)).toEqual(expected);
  });

  it('writes a batch\'s stage spans together, and one by one when a later claim wrote one of them', async () => {
    const single = histories(testIdentity().tenantId);
    const batched = histories(testIdentity().tenantId);
    await oneByOne([single.pipeline, ...single.events]);
    await oneByOne([batched.pipeline]);
    // The first deal's second span as a later claim would have left it: the batch's upsert of it
    // is refused as a duplicate, which fails the bulk write (the local store stops there).
    const plantedId = `${batched.deals[0]!.dealId}:2`;
    const planted = { _id: plantedId, tenantId: batched.tenantId, pipelineId: batched.pipelineId, dealId: batched.deals[0]!.dealId, stageId: 'later', enteredAt: new Date(0), leftAt: null, days: null, rev: 1000 };
    await mongoose.connection.collection('deal_stage_spans').insertOne(planted as never);
    await inBatches(batched.events, 50);
    expect(await mongoose.connection.collection('deal_stage_spans').findOne({ _id: plantedId } as never)).toEqual(planted);
    // Everything else as one event at a time: the deal's other spans and every other deal's.
    const plantedName = `#${1 + batched.stages.length}:2`;
    const withoutPlanted = (models: Doc) => ({ ...models, deal_stage_spans: (models.deal_stage_spans as Doc[]).filter((span) => span._id !== plantedName) });
    const expected = withoutPlanted(await readModels(single));
    expect((expected.deal_stage_spans as Doc[]).length).toBeGreaterThan(8);
    expect(withoutPlanted(await readModels(batched))).toEqual(expected);
  });

  it('changes nothing when a batch comes again (a redelivery after a crash)', async () => {
    const h = histories(testIdentity().tenantId);
    await oneByOne([h.pipeline]);
    await inBatches(h.events, 50);
    const once = await readModels(h);
    await inBatches(h.events, 50);
    await inBatches(h.events.slice(5, 20), 3);
    expect(await readModels(h)).toEqual(once);
  });
});
