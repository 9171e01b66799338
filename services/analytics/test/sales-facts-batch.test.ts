import { catalogue, createEvent, DealUpdated, type Envelope } from '@crm/events';
import type { Subscription } from '@crm/messaging';
import { serviceUnderTest, testIdentity } from '@crm/testing';
import pino from 'pino';
import { CounterModel, counterId } from '../src/modules/fact-counters/counter.model';
import { factKeyOf } from '../src/modules/fact-counters/counted-fact';
import { salesContributions } from '../src/modules/won-deals/sales-fact';
import { SalesFactModel, type SalesFactDoc } from '../src/modules/won-deals/sales-fact.model';
import { salesFactsConsumer } from '../src/modules/won-deals/sales-facts.consumer';
import { startAnalytics } from '../src/service';
import { dealStory, pipelineWith, type KindedStage } from './facts-events';

/*
 * The sales facts' batch handler against their per-event handlers: the same histories (won,
 * lost, reopened, updated, first seen without their creation, redelivered, an old event late),
 * projected one event at a time in one tenant and in batches in another, leave the same facts
 * and counters; a claim a crash left is finished once; a batch takes a few store commands.
 */
serviceUnderTest('analytics', startAnalytics);

const ctx = { logger: pino({ level: 'silent' }), consumer: salesFactsConsumer.groupId };
const subscriptionOf = (event: Envelope) => salesFactsConsumer.handlers.find((handler) => handler.definition.type === event.type) as Subscription | undefined;
/** The event read at its handler's version, as the consumer runner passes it; null for a type the sales facts do not take. */
function readForSales(event: Envelope): Envelope | null {
  const subscription = subscriptionOf(event);
  return subscription ? { ...event, data: catalogue.read(subscription.definition, event) as Record<string, unknown> } : null;
}

async function oneByOne(events: Envelope[]): Promise<void> {
  for (const event of events.map(readForSales)) if (event) await subscriptionOf(event)!.handle(event.data, event, ctx);
}

async function inBatches(events: Envelope[], size: number): Promise<void> {
  for (let at = 0; at < events.length; at += size) {
    const own = events.slice(at, at + size).flatMap((event) => readForSales(event) ?? []);
    if (own.length > 0) await salesFactsConsumer.batch!.handle(own, ctx);
  }
}

const { stages } = pipelineWith('any', [
  { name: 'Lead', probability: 0.1 },
  { name: 'Proposal', probability: 0.5 },
  { name: 'Won', kind: 'WON', probability: 1 },
  { name: 'Lost', kind: 'LOST', probability: 0 },
]);

/** One tenant's histories; deal ids start with `tag`, everything else is alike across tenants. */
function histories(tenantId: string, tag: string) {
  const story = (n: number, spec: Parameters<typeof dealStory>[3]) => dealStory(tenantId, 'pipeline-1', stages as KindedStage[], spec, `${tag}-deal-${n}`);
  const deals = [
    story(1, { createdAt: '2026-02-02T09:00:00Z', companyId: 'company-a', ownerId: 'user-anna', teamId: 'team-north' }).move(1, '2026-02-03T09:00:00Z').move(2, '2026-02-09T09:00:00Z'),
    story(2, { createdAt: '2026-02-02T10:00:00Z', companyId: 'company-b', ownerId: 'user-ben', amount: 2500 }).move(3, '2026-02-04T10:00:00Z').reopen(1, '2026-02-06T10:00:00Z').move(2, '2026-03-10T10:00:00Z'),
    story(3, { createdAt: '2026-02-03T11:00:00Z', companyId: 'company-a', ownerId: 'user-anna', currency: 'USD', amount: 700 }).move(2, '2026-02-04T11:00:00Z').reopen(0, '2026-02-12T11:00:00Z'),
    story(4, { createdAt: '2026-02-04T12:00:00Z', companyId: 'company-c', ownerId: 'user-carl' })
      .update('2026-02-05T12:00:00Z', [{ field: 'amount', from: 1000, to: 4200 }, { field: 'teamId', from: null, to: 'team-south' }])
      .move(2, '2026-02-06T12:00:00Z'),
  ];
  // A deal whose creation analytics never saw: its update names no company (nothing yet), its win does.
  const unseen = story(5, { createdAt: '2026-01-20T08:00:00Z', companyId: 'company-b', ownerId: 'user-ben', amount: 300 }).update('2026-02-01T08:00:00Z', [{ field: 'amount', from: 1000, to: 300 }]).move(2, '2026-02-15T08:00:00Z');
  // Interleaved as a topic holds them, two events delivered twice, and an old event of deal 2 (its loss) late at the end.
  const lines = [...deals.map((deal) => deal.events), unseen.events.slice(1)];
  const events = Array.from({ length: Math.max(...lines.map((line) => line.length)) }, (_, n) => lines.flatMap((line) => (line[n] ? [line[n]!] : []))).flat();
  events.splice(6, 0, events[2]!);
  events.push(events[9]!, deals[1]!.events.find((event) => event.type === 'DealLost')!);
  return events;
}

/**
 * A tenant's sales facts by deal (the tag taken out) and counters by coordinates, without what
 * differs by path: versions, and zeros (a win taken back within one batch never reaches a
 * counter; one at a time, it leaves a 0 there, which reads the same).
 */
async function readModels(tenantId: string, tag: string) {
  const facts = await SalesFactModel.find({ tenantId }).lean<SalesFactDoc[]>();
  const counters = await CounterModel.find({ tenantId }).lean();
  return {
    facts: Object.fromEntries(facts.map(({ _id, tenantId: _tenant, version: _version, ...fact }) => [_id.slice(tag.length), fact])),
    counters: Object.fromEntries(
      counters.flatMap((counter) => {
        const values = Object.fromEntries(Object.entries(counter.values).filter(([, value]) => value !== 0));
        return Object.keys(values).length > 0 ? [[counter._id.slice(tenantId.length), values]] : [];
      }),
    ),
  };
}

describe('sales facts, a batch at a time', () => {
  it('leave the same facts and counters as one event at a time', async () => {
    const one = testIdentity();
    const batched = testIdentity();
    const twice = testIdentity();
    await oneByOne(histories(one.tenantId, 'one'));
    await inBatches(histories(batched.tenantId, 'three'), 3);
    await inBatches(histories(twice.tenantId, 'all'), 100);
    const expected = await readModels(one.tenantId, 'one');
    expect(await readModels(batched.tenantId, 'three')).toEqual(expected);
    expect(await readModels(twice.tenantId, 'all')).toEqual(expected);
    // And what they hold is right: company A won deal 1 (1,000 EUR) in February; deal 3's USD win was taken back.
    expect(Object.keys(expected.facts).sort()).toEqual(['-deal-1', '-deal-2', '-deal-3', '-deal-4', '-deal-5']);
    const month = (companyId: string, period: string) => expected.counters[counterId('', { kind: 'company-revenue', subject: companyId, period })];
    expect(month('company-a', '2026-02')).toEqual({ won_EUR: 1000 });
    expect(month('company-b', '2026-03')).toEqual({ won_EUR: 2500 });
    expect(month('company-b', '2026-02')).toEqual({ won_EUR: 300 });
    expect(month('company-c', '2026-02')).toEqual({ won_EUR: 1000 }); // its win names the amount
    for (const fact of Object.values(expected.facts)) expect(fact.pending).toBeNull();
  });

  it('finishes a move a crash left half applied, once', async () => {
    const { tenantId } = testIdentity();
    const [created, won] = dealStory(tenantId, 'pipeline-1', stages as KindedStage[], { createdAt: '2026-02-02T09:00:00Z', companyId: 'company-a', ownerId: 'user-anna' }).move(2, '2026-02-09T09:00:00Z').events.filter((event) => event.type !== 'DealStageChanged');
    await inBatches([created!, won!], 10);
    const dealId = (created!.data as { dealId: string }).dealId;
    // A crash after an update of the amount was written and claimed, with one of its counters moved:
    const fact = (await SalesFactModel.findOne({ _id: dealId, tenantId }).lean<SalesFactDoc>())!;
    const next = { ...fact, amount: 1500, lastEventAt: new Date('2026-02-10T09:00:00Z') };
    const contributions = salesContributions(next);
    await SalesFactModel.updateOne({ _id: dealId, tenantId }, { $set: { amount: 1500, lastEventAt: next.lastEventAt, want: contributions, pending: { version: fact.version + 1, contributions } }, $inc: { version: 1 } });
    const february = counterId(tenantId, { kind: 'company-revenue', subject: 'company-a', period: '2026-02' });
    await CounterModel.updateOne({ _id: february, tenantId }, { $inc: { 'values.won_EUR': 500 }, $set: { [`applied.${factKeyOf(SalesFactModel, dealId)}`]: fact.version + 1 } });
    // The batch with the redelivered update and another deal finishes it: nothing counted twice.
    const other = dealStory(tenantId, 'pipeline-1', stages as KindedStage[], { createdAt: '2026-02-03T09:00:00Z', companyId: 'company-a', ownerId: 'user-anna', amount: 10 }).move(2, '2026-02-11T09:00:00Z');
    const update = createEvent(DealUpdated, { tenantId, aggregateId: dealId, occurredAt: new Date('2026-02-10T09:00:00Z') }, { dealId, title: 'Analytics deal', pipelineId: 'pipeline-1', ownerId: 'user-anna', changes: [{ field: 'amount', from: 1000, to: 1500 }], updatedBy: 'user-anna' });
    await inBatches([update, ...other.events], 10);
    expect((await CounterModel.findOne({ _id: february, tenantId }).lean())?.values).toEqual({ won_EUR: 1510 });
    const user = await CounterModel.find({ tenantId, kind: 'user-results', subject: 'user-anna' }).lean();
    expect(user.map((counter) => counter.values).sort((a, b) => a.won_EUR! - b.won_EUR!)).toEqual([
      { won_EUR: 10, dealsWon: 1 },
      { won_EUR: 1500, dealsWon: 1 },
    ]);
    expect((await SalesFactModel.findOne({ _id: dealId, tenantId }).lean<SalesFactDoc>())?.pending).toBeNull();
  });

  it('writes a batch of new won deals with one read, one insert, one counters write and one confirmation', async () => {
    const { tenantId } = testIdentity();
    const events = Array.from({ length: 20 }, (_, n) =>
      dealStory(tenantId, 'pipeline-1', stages as KindedStage[], { createdAt: '2026-04-01T09:00:00Z', companyId: `company-${n % 4}`, ownerId: 'user-anna', amount: 100 })
        .move(2, '2026-04-20T09:00:00Z')
        .events.filter((event) => event.type !== 'DealStageChanged'),
    ).flat();
    const calls = {
      find: jest.spyOn(SalesFactModel, 'find'),
      findOne: jest.spyOn(SalesFactModel, 'findOne'),
      findOneAndUpdate: jest.spyOn(SalesFactModel, 'findOneAndUpdate'),
      insert: jest.spyOn(SalesFactModel.collection, 'insertMany'),
      factsBulk: jest.spyOn(SalesFactModel, 'bulkWrite'),
      countersBulk: jest.spyOn(CounterModel.collection, 'bulkWrite'),
      counterUpdate: jest.spyOn(CounterModel, 'updateOne'),
    };
    try {
      await inBatches(events, 100);
      expect(Object.fromEntries(Object.entries(calls).map(([name, spy]) => [name, spy.mock.calls.length]))).toEqual({
        find: 1,
        findOne: 0,
        findOneAndUpdate: 0,
        insert: 1,
        factsBulk: 1, // the confirmations; no existing fact to update
        countersBulk: 1,
        counterUpdate: 0,
      });
    } finally {
      Object.values(calls).forEach((spy) => spy.mockRestore());
    }
    const counters = await CounterModel.find({ tenantId, kind: 'company-revenue' }).lean();
    expect(counters.map((counter) => [counter.subject, counter.values]).sort()).toEqual([0, 1, 2, 3].map((n) => [`company-${n}`, { won_EUR: 500 }]));
  });
});
