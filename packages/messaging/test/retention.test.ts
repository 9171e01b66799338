import mongoose from 'mongoose';
import { deleteExpired, ParkedEventModel, ProcessedEventModel } from '../src';
import { daysAgo, dayOf } from '../src/day-bucket';
import { uniqueId } from '../src/testing';
import { connectTestDb, dropTestDb } from './setup';

const now = new Date('2026-03-15T12:00:00.000Z');
const tenantId = uniqueId('tenant');

beforeAll(async () => {
  await connectTestDb();
  await Promise.all([ProcessedEventModel.createIndexes(), ParkedEventModel.createIndexes()]);
});
afterAll(dropTestDb);

const processed = (id: string, age: number | null) => {
  const at = daysAgo(now, age ?? 400);
  return { _id: id, tenantId, consumer: 'c', eventId: id, eventType: 'CompanyCreated', processedAt: at, ...(age !== null && { day: dayOf(at) }) };
};
const parked = (id: string, age: number) => {
  const at = daysAgo(now, age);
  return { _id: id, tenantId, model: 'aggregates', event: { id }, reason: 'test', at, day: dayOf(at) };
};

test('deletes processed events after 14 days and parked events after 30, by whole days', async () => {
  await ProcessedEventModel.insertMany([processed('today', 0), processed('13d', 13), processed('14d', 14), processed('15d', 15), processed('100d', 100), processed('legacy', null)]);
  await ParkedEventModel.insertMany([parked('29d', 29), parked('30d', 30), parked('31d', 31), parked('200d', 200)]);

  expect(await deleteExpired(now)).toEqual({ processedEvents: 2, parkedEvents: 2 });
  expect((await ProcessedEventModel.find({ tenantId }).lean()).map((r) => r._id).sort()).toEqual(['13d', '14d', 'legacy', 'today']);
  expect((await ParkedEventModel.find({ tenantId }).lean()).map((r) => r._id).sort()).toEqual(['29d', '30d']);

  // Configurable, and a second run finds nothing more.
  expect(await deleteExpired(now, { processedEventsDays: 1, parkedEventsDays: 60 })).toEqual({ processedEvents: 2, parkedEvents: 0 });
  expect(await deleteExpired(now, { processedEventsDays: 1, parkedEventsDays: 60 })).toEqual({ processedEvents: 0, parkedEvents: 0 });
});

test('the clean-up filter is served by the day index, not a scan of the collection', async () => {
  for (const collection of ['processed_events', 'parked_events']) {
    const filter = { day: { $in: ['2026-01-01', '2026-01-02'] } };
    const result = await mongoose.connection.db!.command({ explain: { find: collection, filter }, verbosity: 'queryPlanner' });
    // FerretDB on SQLite answers with SQLite's plan lines, MongoDB with its winning plan.
    const plan = JSON.stringify(result.queryPlanner?.Plan ?? result.queryPlanner?.winningPlan);
    expect(plan).not.toMatch(/detail=SCAN\b|COLLSCAN/);
    expect(plan).toMatch(/USING INDEX|IXSCAN/);
  }
});
