import { catalogue, createEvent, DealUpdated, type Envelope } from '@crm/events';
import type { Subscription } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { serviceUnderTest, testIdentity } from '@crm/testing';
import type { Model } from 'mongoose';
import pino from 'pino';
import { activityFactsConsumer } from '../src/modules/activity-facts/activity-facts.consumer';
import { ActivityFactModel } from '../src/modules/activity-facts/activity-fact.model';
import { CounterModel, counterId } from '../src/modules/fact-counters/counter.model';
import { factKeyOf } from '../src/modules/fact-counters/counted-fact';
import { salesContributions } from '../src/modules/won-deals/sales-fact';
import { SalesFactModel, type SalesFactDoc } from '../src/modules/won-deals/sales-fact.model';
import { salesFactsConsumer } from '../src/modules/won-deals/sales-facts.consumer';
import { startAnalytics } from '../src/service';
import { dealStory, pipelineWith, type KindedStage } from './facts-events';
import { activityLife } from './revenue-events';

/*
 * The batch handlers of the counted facts (sales facts, activity facts) against their per-event
 * handlers: the same histories (won, lost, reopened, updated, first seen without their creation;
 * done, cancelled, overdue; redelivered, an old event late), projected one event at a time in one
 * tenant and in batches in another, leave the same facts and counters; a claim a crash left is
 * finished once; a batch takes a few store commands.
 */
serviceUnderTest('analytics', startAnalytics);

const logger = pino({ level: 'silent' });
const subscriptionOf = (consumer: ConsumerSpec, event: Envelope) => consumer.handlers.find((handler) => handler.definition.type === event.type) as Subscription | undefined;
/** The event read at its handler's version, as the consumer runner passes it; null for a type the consumer does not take. */
function readFor(consumer: ConsumerSpec, event: Envelope): Envelope | null {
  const subscription = subscriptionOf(consumer, event);
  return subscription ? { ...event, data: catalogue.read(subscription.definition, event) as Record<string, unknown> } : null;
}

async function oneByOne(events: Envelope[], consumer: ConsumerSpec = salesFactsConsumer): Promise<void> {
  for (const event of events.map((one) => readFor(consumer, one))) if (event) await subscriptionOf(consumer, event)!.handle(event.data, event, { logger, consumer: consumer.groupId });
}

async function inBatches(events: Envelope[], size: number, consumer: ConsumerSpec = salesFactsConsumer): Promise<void> {
  for (let at = 0; at < events.length; at += size) {
    const own = events.slice(at, at + size).flatMap((event) => readFor(consumer, event) ?? []);
    if (own.length > 0) await consumer.batch!.handle(own, { logger, consumer: consumer.groupId });
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
async function readModels(tenantId: string, tag: string, model: Model<any> = SalesFactModel) {
  const facts = await model.find({ tenantId }).lean<SalesFactDoc[]>();
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

/** One tenant's activities; ids start with `tag`, everything else is alike across tenants. */
function activities(tenantId: string, tag: string) {
  // Each event at a fixed time, in order within its activity (they would differ by tenant otherwise).
  const life = (n: number, spec: Omit<Parameters<typeof activityLife>[1], 'activityId'>, ...steps: Parameters<typeof activityLife>[2][]) =>
    activityLife(tenantId, { ...spec, activityId: `${tag}-activity-${n}` }, ...steps).map((event, k) => ({ ...event, occurredAt: `2026-05-01T0${k}:0${n}:00.000Z` }));
  const lines = [
    life(1, { kind: 'CALL', assigneeId: 'user-anna', teamId: 'team-north' }, { completedAt: '2026-05-04T10:00:00Z' }),
    life(2, { kind: 'MEETING', assigneeId: 'user-ben', campaignId: 'campaign-1', companyId: 'company-a' }, { completedAt: '2026-05-05T10:00:00Z', response: true }),
    life(3, { kind: 'TASK', assigneeId: 'user-anna', teamId: 'team-north' }, { overdueAt: '2026-05-06T09:00:00Z' }, { completedAt: '2026-05-08T10:00:00Z' }),
    life(4, { kind: 'TASK', assigneeId: 'user-carl', campaignId: 'campaign-1' }, { overdueAt: '2026-05-06T09:00:00Z' }, 'cancelled'),
    life(5, { kind: 'EMAIL', assigneeId: 'user-ben', campaignId: 'campaign-1' }).slice(0, 1),
  ];
  const events = Array.from({ length: 3 }, (_, n) => lines.flatMap((line) => (line[n] ? [line[n]!] : []))).flat();
  events.splice(4, 0, events[1]!);
  events.push(events[6]!, lines[2]![0]!);
  return events;
}

describe('counted facts, a batch at a time', () => {
  it('leave the same activity facts and counters as one event at a time', async () => {
    const [one, batched, all] = [testIdentity(), testIdentity(), testIdentity()];
    await oneByOne(activities(one.tenantId, 'one'), activityFactsConsumer);
    await inBatches(activities(batched.tenantId, 'three'), 3, activityFactsConsumer);
    await inBatches(activities(all.tenantId, 'all'), 100, activityFactsConsumer);
    const expected = await readModels(one.tenantId, 'one', ActivityFactModel);
    expect(await readModels(batched.tenantId, 'three', ActivityFactModel)).toEqual(expected);
    expect(await readModels(all.tenantId, 'all', ActivityFactModel)).toEqual(expected);
    expect(Object.keys(expected.facts)).toHaveLength(5);
    const user = (assigneeId: string, day: string, team = '') => expected.counters[counterId('', { kind: 'user-activity', subject: assigneeId, group: team, period: day })];
    expect(user('user-anna', '2026-05-04', 'team-north')).toEqual({ calls: 1 });
    expect(user('user-anna', '2026-05-08', 'team-north')).toEqual({ tasksDone: 1 });
    expect(user('user-anna', '2026-05-06', 'team-north')).toEqual({ tasksOverdue: 1 });
    expect(user('user-carl', '2026-05-06')).toBeUndefined(); // overdue, then cancelled
    const campaign = Object.entries(expected.counters).filter(([id]) => id.includes('|campaign|'));
    expect(campaign.map(([, values]) => values)).toEqual([{ sends: 2, responses: 1 }]);
  });

  it('leave the same sales facts and counters as one event at a time', async () => {
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

  it('finish the move a crash left half applied on a sales fact, once', async () => {
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

  it('write a batch of new won deals with one read, one insert, one counters write and one confirmation', async () => {
    const { tenantId } = testIdentity();
    const events = Array.from({ length: 20 }, (_, n) =>
      dealStory(tenantId, 'pipeline-1', stages as KindedStage[], { createdAt: '2026-04-01T09:00:00Z', companyId: `company-${n % 4}`, ownerId: 'user-anna', amount: 100 })
        .move(2, '2026-04-20T09:00:00Z')
        .events.filter((event) => event.type !== 'DealStageChanged'),
    ).flat();
    // The service under test runs its consumers in this process, and other test files publish
    // deals events meanwhile: only the calls that name this test's tenant count.
    const tenantOf = (value: unknown): unknown => (value as { tenantId?: unknown } | undefined)?.tenantId;
    const ours = (ops: unknown) => Array.isArray(ops) && ops.some((op) => tenantOf(op) === tenantId || tenantOf((op as { updateOne?: { filter?: unknown } }).updateOne?.filter) === tenantId);
    const calls = {
      find: { spy: jest.spyOn(SalesFactModel, 'find'), named: (args: unknown[]) => tenantOf(args[0]) === tenantId },
      findOne: { spy: jest.spyOn(SalesFactModel, 'findOne'), named: (args: unknown[]) => tenantOf(args[0]) === tenantId },
      findOneAndUpdate: { spy: jest.spyOn(SalesFactModel, 'findOneAndUpdate'), named: (args: unknown[]) => tenantOf(args[0]) === tenantId },
      insert: { spy: jest.spyOn(SalesFactModel.collection, 'insertMany'), named: (args: unknown[]) => ours(args[0]) },
      factsBulk: { spy: jest.spyOn(SalesFactModel, 'bulkWrite'), named: (args: unknown[]) => ours(args[0]) },
      countersBulk: { spy: jest.spyOn(CounterModel.collection, 'bulkWrite'), named: (args: unknown[]) => ours(args[0]) },
      counterUpdate: { spy: jest.spyOn(CounterModel, 'updateOne'), named: (args: unknown[]) => tenantOf(args[0]) === tenantId },
    };
    try {
      await inBatches(events, 100);
      expect(Object.fromEntries(Object.entries(calls).map(([name, { spy, named }]) => [name, spy.mock.calls.filter((args) => named(args)).length]))).toEqual({
        find: 1,
        findOne: 0,
        findOneAndUpdate: 0,
        insert: 1,
        factsBulk: 1, // the confirmations; no existing fact to update
        countersBulk: 1,
        counterUpdate: 0,
      });
    } finally {
      Object.values(calls).forEach(({ spy }) => spy.mockRestore());
    }
    const counters = await CounterModel.find({ tenantId, kind: 'company-revenue' }).lean();
    expect(counters.map((counter) => [counter.subject, counter.values]).sort()).toEqual([0, 1, 2, 3].map((n) => [`company-${n}`, { won_EUR: 500 }]));
  });
});
