import { isDuplicateKey } from '@crm/messaging';
import { useStoreDatabase } from './store-database';

// Our store build reuses prepared SQL statements per connection and writes a multi-document
// update in batches of 100 (deploy/local/ferretdb). The store must behave as before: a statement
// prepared before an index exists keeps that index, a dropped and re-created collection is a
// new one, and an update of many documents changes each of them once.
const store = useStoreDatabase('statements', 1); // one connection: the statements below reuse what the earlier ones prepared

test('a unique index created after the writes were prepared holds for inserts and updates', async () => {
  const things = store().collection<{ _id: string; k: string; n?: number }>('things');
  for (let i = 0; i < 5; i += 1) await things.insertOne({ _id: `a${i}`, k: `v${i}` });
  for (let n = 0; n < 3; n += 1) await things.updateMany({ _id: { $in: ['a0', 'a1'] } }, { $set: { n } });
  await things.createIndex({ k: 1 }, { unique: true });
  const refused = (write: Promise<unknown>) => write.then(() => 'written', (error: unknown) => (isDuplicateKey(error) ? 'duplicate' : String(error)));
  expect(await refused(things.insertOne({ _id: 'b1', k: 'v1' }))).toBe('duplicate');
  expect(await refused(things.updateMany({ _id: { $in: ['a2'] } }, { $set: { k: 'v3' } }))).toBe('duplicate');
  expect(await things.find({ k: 'v4' }).toArray()).toEqual([{ _id: 'a4', k: 'v4' }]);
  expect(await things.find({ _id: { $in: ['a0', 'a1'] } }, { projection: { n: 1 } }).toArray()).toEqual([{ _id: 'a0', n: 2 }, { _id: 'a1', n: 2 }]);
});

test('a dropped and re-created collection holds only its new documents', async () => {
  const kept = store().collection<{ _id: string }>('dropped');
  await kept.insertMany([{ _id: 'old1' }, { _id: 'old2' }]);
  expect(await kept.countDocuments()).toBe(2);
  await kept.drop();
  await store().collection<{ _id: string }>('dropped').insertOne({ _id: 'new' });
  expect(await store().collection('dropped').find({}).toArray()).toEqual([{ _id: 'new' }]);
});

test('an update of 250 documents changes each once, across its batches, and reports them all', async () => {
  const many = store().collection<{ _id: number; n: number; tag?: string }>('many');
  await many.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i, n: 0 })));
  const result = await many.updateMany({}, { $inc: { n: 1 }, $set: { tag: 'x' } });
  expect(result).toMatchObject({ matchedCount: 250, modifiedCount: 250 });
  const docs = await many.find({}).toArray();
  expect(docs.filter((doc) => doc.n === 1 && doc.tag === 'x')).toHaveLength(250);
  // Nothing to change: matched, not modified.
  expect(await many.updateMany({ tag: 'x' }, { $set: { tag: 'x' } })).toMatchObject({ matchedCount: 250, modifiedCount: 0 });
});

test('an update that fails part way has written the documents before the failing one, as on MongoDB', async () => {
  const mixed = store().collection<{ _id: number; n: number | string }>('mixed');
  // Sorted by _id in the store: the text at 150 cannot take $inc; the 150 before it can.
  await mixed.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i, n: i === 150 ? 'text' : 0 })));
  await expect(mixed.updateMany({}, { $inc: { n: 1 } as never })).rejects.toThrow(); // the types refuse $inc on text: the store must too
  const incremented = await mixed.countDocuments({ n: 1 });
  expect(incremented).toBe(150);
});

test('an update whose batch a unique index refuses writes the documents before the refused one', async () => {
  const unique = store().collection<{ _id: number; k: string }>('unique');
  await unique.createIndex({ k: 1 }, { unique: true });
  await unique.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i, k: `k${i}` })));
  // The first document takes the value; the second cannot (as on MongoDB, the update stops there).
  const error = await unique.updateMany({}, { $set: { k: 'same' } }).then(() => null, (failure: unknown) => failure);
  expect(isDuplicateKey(error)).toBe(true);
  expect(await unique.find({ k: 'same' }).toArray()).toEqual([{ _id: 0, k: 'same' }]);
  expect(await unique.countDocuments({ k: /^k/ })).toBe(9);
});
