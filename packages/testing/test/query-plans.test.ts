import mongoose, { Schema } from 'mongoose';
import { missingIndexes, recordStoreQueries, scanningQueries } from '../src/query-plans';
import { uniqueId } from '../src/tenants';

// The check that every test file of a service runs at its end must really fail on a scan.
const schema = new Schema({ _id: String, tenantId: String, companyId: String, note: String }, { versionKey: false });
schema.index({ tenantId: 1, companyId: 1 });
const Probe = mongoose.model('QueryPlanProbe', schema, 'query_plan_probes');

beforeAll(async () => {
  await mongoose.connect(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017', { dbName: `testing_${uniqueId('db').slice(3)}`, autoIndex: false });
});
afterAll(async () => {
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
});

test('a declared index missing in the store is reported, and no longer once it exists', async () => {
  await Probe.createCollection();
  expect(await missingIndexes()).toEqual(['query_plan_probes: {"tenantId":1,"companyId":1}']);
  await Probe.createIndexes();
  expect(await missingIndexes()).toEqual([]);
});

test('filters served by an index pass; a filter no index serves is reported with its plan, unless allowed', async () => {
  await Probe.createIndexes();
  await Probe.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `p${i}`, tenantId: 't', companyId: `c${i % 5}`, note: `n${i}` })));
  const queries = recordStoreQueries();
  queries.start();
  try {
    await Probe.findOne({ _id: 'p1', tenantId: 't' }).exec();
    await Probe.find({ tenantId: 't', companyId: 'c2' }).sort({ note: 1 }).limit(3).exec();
    await Probe.find({ tenantId: 't', companyId: 'c3' }).exec(); // same shape as the one above: explained once
    await Probe.updateOne({ _id: { $in: ['p1', 'p2'] }, tenantId: 't' }, { $set: { note: 'x' } }).exec();
    await Probe.countDocuments({ note: 'n7' }).exec();
  } finally {
    queries.stop();
  }
  expect(queries.recorded()).toHaveLength(4);
  const problems = await scanningQueries(queries.recorded());
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/^query_plan_probes\.countDocuments\(\{"note":"n7"\}\) scans: .*(SCAN|COLLSCAN)/);
  expect(await scanningQueries(queries.recorded(), [{ collection: 'query_plan_probes', keys: 'note', why: 'probe' }])).toEqual([]);
});
