import mongoose, { Schema } from 'mongoose';
import { looksUpIds, missingIndexes, recordStoreQueries, scanningQueries, searchesIdIndex } from '../src/query-plans';
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

test('a look-up by ids with the tenant searches the _id index, even for a batch of ids (explained at 50)', async () => {
  await Probe.createIndexes();
  await Probe.insertMany(Array.from({ length: 60 }, (_, i) => ({ _id: `q${i}`, tenantId: 'u', companyId: `c${i % 5}` })));
  const queries = recordStoreQueries();
  queries.start();
  try {
    // Two ids here; the check explains the shape with 50, where SQLite without the store's fix
    // preferred the (tenantId, companyId) index and read all of the tenant's documents.
    const found = await Probe.find({ tenantId: 'u', _id: { $in: ['q1', 'q2'] } }).lean().exec();
    expect(found.map((doc) => doc._id).sort()).toEqual(['q1', 'q2']);
    // The store's answer at batch size: still exactly the tenant's documents among the ids.
    const batch = Array.from({ length: 30 }, (_, i) => `q${i}`);
    expect(await Probe.countDocuments({ tenantId: 'u', _id: { $in: batch } }).exec()).toBe(30);
    expect(await Probe.countDocuments({ tenantId: 'other', _id: { $in: batch } }).exec()).toBe(0);
  } finally {
    queries.stop();
  }
  expect(await scanningQueries(queries.recorded())).toEqual([]);
});

test('which filters look up ids, and which plans search the _id index (pure rules of the check)', () => {
  expect(looksUpIds({ _id: 'a', tenantId: 't' })).toBe(true);
  expect(looksUpIds({ _id: { $in: ['a', 'b'] }, tenantId: 't' })).toBe(true);
  expect(looksUpIds({ _id: { $eq: 'a' } })).toBe(true);
  expect(looksUpIds({ _id: { $gt: 'a' }, tenantId: 't' })).toBe(false); // a page after a cursor: a range
  expect(looksUpIds({ tenantId: 't' })).toBe(false);
  expect(searchesIdIndex(['id=3 parent=0 notused=0 detail=SEARCH probes_1a2b USING INDEX probes_1a2b__id_ (<expr>=?)'])).toBe(true);
  expect(searchesIdIndex(['id=3 parent=0 notused=0 detail=SEARCH probes_1a2b USING INDEX probes_1a2b_tenantId_1_companyId_1 (<expr>=?)'])).toBe(false);
  expect(searchesIdIndex(['{"stage":"FETCH","inputStage":{"stage":"IXSCAN","indexName":"_id_"}}'])).toBe(true);
  expect(searchesIdIndex(['{"stage":"FETCH","inputStage":{"stage":"IXSCAN","indexName":"tenantId_1_companyId_1"}}'])).toBe(false);
});
