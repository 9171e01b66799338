import mongoose, { Schema } from 'mongoose';
import { uniqueId } from '../src/tenants';

// A range of dates on an indexed field (a month of stage stays, a week of the calendar): the
// local store sends it to SQL only where comparing stored text is exact, and answers exactly as
// MongoDB does whatever the documents hold there.
const schema = new Schema({ _id: String, tenantId: String, at: Schema.Types.Mixed }, { versionKey: false });
schema.index({ tenantId: 1, at: 1 });
const Stay = mongoose.model('DateRangeProbe', schema, 'date_range_probes');

const d = (iso: string) => new Date(iso);
/** What each probe holds in `at`: dates on both sides of the 13-digit span, at the bounds, and other types. */
const values: Record<string, unknown> = {
  y1990: d('1990-06-01T00:00:00Z'),
  y2000: d('2000-12-31T23:59:59Z'),
  loBound: d('2026-03-01T00:00:00Z'),
  mid: d('2026-03-15T12:00:00Z'),
  hiBound: d('2026-03-31T23:59:59.999Z'),
  april: d('2026-04-01T00:00:00Z'),
  y2290: d('2290-01-01T00:00:00Z'),
  msNumber: d('2026-03-15T12:00:00Z').getTime(),
  text: '2026-03-15T12:00:00Z',
  arrayWithMid: [d('2020-01-01T00:00:00Z'), d('2026-03-20T00:00:00Z')],
  none: null,
};
const ids = (found: { _id: string }[]) => found.map((doc) => doc._id).sort();
/** The probes whose `at` is a date (or holds one) that `test` accepts: MongoDB's answer. */
const expected = (test: (ms: number) => boolean) =>
  Object.entries(values)
    .filter(([, value]) => [value].flat().some((item) => item instanceof Date && test(item.getTime())))
    .map(([id]) => id)
    .sort();

let tenantId: string;
beforeAll(async () => {
  await mongoose.connect(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017', { dbName: `testing_${uniqueId('db').slice(3)}` });
  await Stay.createIndexes();
  tenantId = uniqueId('t');
  await Stay.insertMany(Object.entries(values).map(([id, at]) => ({ _id: id, tenantId, at })));
  await Stay.insertMany(Object.entries(values).map(([id, at]) => ({ _id: `other-${id}`, tenantId: uniqueId('t'), at })));
});
afterAll(async () => {
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
});

test.each([
  ['a month, bounds included', { $gte: d('2026-03-01T00:00:00Z'), $lte: d('2026-03-31T23:59:59.999Z') }],
  ['a month, bounds excluded', { $gt: d('2026-03-01T00:00:00Z'), $lt: d('2026-03-31T23:59:59.999Z') }],
  ['from 1990 (below the 13-digit span)', { $gte: d('1990-01-01T00:00:00Z'), $lt: d('2026-03-15T00:00:00Z') }],
  ['to 2300 (above it)', { $gt: d('2026-03-15T12:00:00Z'), $lte: d('2300-01-01T00:00:00Z') }],
  ['an empty one (from after to)', { $gte: d('2026-04-01T00:00:00Z'), $lte: d('2026-03-01T00:00:00Z') }],
])('%s: the same documents as MongoDB, of the tenant only', async (_name, range) => {
  const lo = (range as { $gt?: Date; $gte?: Date }).$gt ?? (range as { $gte?: Date }).$gte!;
  const hi = (range as { $lt?: Date; $lte?: Date }).$lt ?? (range as { $lte?: Date }).$lte!;
  const strictLo = '$gt' in range;
  const strictHi = '$lt' in range;
  const want = expected((ms) => (strictLo ? ms > lo.getTime() : ms >= lo.getTime()) && (strictHi ? ms < hi.getTime() : ms <= hi.getTime()));
  expect(ids(await Stay.find({ tenantId, at: range }).lean<{ _id: string }[]>())).toEqual(want);
  expect(await Stay.countDocuments({ tenantId, at: range })).toBe(want.length);
});

test('a month within the span: MongoDB would match the array, the two dates at the bounds and the one inside', async () => {
  const found = ids(await Stay.find({ tenantId, at: { $gte: d('2026-03-01T00:00:00Z'), $lte: d('2026-03-31T23:59:59.999Z') } }).lean<{ _id: string }[]>());
  expect(found).toEqual(['arrayWithMid', 'hiBound', 'loBound', 'mid']);
});

test("the store searches the index by the range too, not only by the tenant (SQLite's plan names both)", async () => {
  // A field that never holds an array (above, one does: then the store keeps every array too, and cannot search by the range).
  const Plain = mongoose.model('DateRangePlainProbe', schema.clone(), 'date_range_plain_probes');
  await Plain.createIndexes();
  await Plain.insertMany([{ _id: 'a', tenantId, at: d('2026-03-15T12:00:00Z') }, { _id: 'b', tenantId, at: d('2026-05-01T00:00:00Z') }]);
  const filter = { tenantId, at: { $gte: d('2026-03-01T00:00:00Z'), $lt: d('2026-04-01T00:00:00Z') } };
  expect(ids(await Plain.find(filter).lean<{ _id: string }[]>())).toEqual(['a']);
  const result = await mongoose.connection.db!.command({ explain: { find: 'date_range_plain_probes', filter }, verbosity: 'queryPlanner' });
  const plan: string = Array.isArray(result.queryPlanner?.Plan) ? result.queryPlanner.Plan.join(' | ') : JSON.stringify(result.queryPlanner?.winningPlan);
  if (Array.isArray(result.queryPlanner?.Plan)) expect(plan).toMatch(/USING INDEX \S*tenantId_1_at_1 \(<expr>=\? AND <expr>>\? AND <expr><\?\)/);
  else expect(plan).toMatch(/IXSCAN/); // MongoDB: its index bounds cover both keys
});
