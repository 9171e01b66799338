import mongoose from 'mongoose';
import { uniqueId } from '../src/tenants';

// A document of many fields (a counters document's map of recent move tokens can hold a
// thousand): the local store reads and writes it field by field in one pass, and must still
// keep MongoDB's semantics: field order, a $set of an existing field in place, a new field
// last, an $unset gone, and queries on present and missing fields.
const FIELDS = 1500;
const token = (i: number) => `${i.toString(36)}-${'x'.repeat(20)}`;

let collection: mongoose.mongo.Collection<mongoose.mongo.Document>;
beforeAll(async () => {
  await mongoose.connect(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017', { dbName: `testing_${uniqueId('db').slice(3)}` });
  collection = mongoose.connection.db!.collection('large_documents');
});
afterAll(async () => {
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
});

/** A wide document: many top-level fields, and a nested map as wide. */
function wide(id: string): Record<string, unknown> {
  const doc: Record<string, unknown> = { _id: id, tenantId: 't1', c: { n: { p1: 1 } } };
  const applied: Record<string, unknown> = {};
  for (let i = 0; i < FIELDS; i += 1) {
    doc[`f${i}`] = i % 3 === 0 ? `v${i}` : i;
    applied[token(i)] = true;
  }
  doc.applied = applied;
  return doc;
}

it('reads a wide document back with every field, in order', async () => {
  const doc = wide(uniqueId('w'));
  await collection.insertOne(doc);
  const stored = await collection.findOne({ _id: doc._id as never });
  expect(Object.keys(stored!)).toEqual(Object.keys(doc));
  expect(Object.keys(stored!.applied as object)).toEqual(Object.keys(doc.applied as object));
  expect(stored).toEqual(doc);
});

it('updates a wide document as MongoDB does: in place, new fields last, removed fields gone', async () => {
  const doc = wide(uniqueId('w'));
  await collection.insertOne(doc);
  const result = await collection.updateOne(
    { _id: doc._id as never, tenantId: 't1' },
    {
      $inc: { 'c.n.p1': 2, 'c.n.p2': 5 },
      $set: { f700: 'changed', [`applied.${token(900)}`]: false, 'applied.new-token': true, added: 'last' },
      $unset: { f3: '', [`applied.${token(0)}`]: '' },
    },
  );
  expect(result.modifiedCount).toBe(1);

  // What MongoDB answers: the same steps on the plain object (existing keys keep their place).
  const expected = structuredClone(doc) as Record<string, any>;
  expected.c.n = { p1: 3, p2: 5 };
  expected.f700 = 'changed';
  expected.applied[token(900)] = false;
  expected.applied['new-token'] = true;
  expected.added = 'last';
  delete expected.f3;
  delete expected.applied[token(0)];

  const stored = await collection.findOne({ _id: doc._id as never });
  expect(Object.keys(stored!)).toEqual(Object.keys(expected));
  expect(Object.keys(stored!.applied as object)).toEqual(Object.keys(expected.applied));
  expect(stored).toEqual(expected);
});

it('finds a wide document by a present field and by a missing one', async () => {
  const doc = wide(uniqueId('w'));
  await collection.insertOne(doc);
  const byId = { _id: doc._id as never };
  expect(await collection.countDocuments({ ...byId, [`applied.${token(FIELDS - 1)}`]: true })).toBe(1);
  expect(await collection.countDocuments({ ...byId, f1499: 1499 })).toBe(1);
  expect(await collection.countDocuments({ ...byId, 'applied.never': { $exists: false } })).toBe(1);
  expect(await collection.countDocuments({ ...byId, 'applied.never': { $exists: true } })).toBe(0);
  expect(await collection.countDocuments({ ...byId, f1500: { $exists: true } })).toBe(0);
});
