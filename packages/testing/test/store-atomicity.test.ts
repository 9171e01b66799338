import { useStoreDatabase } from './store-database';

// The services rely on single-document updates being atomic (conditional stage moves, outbox
// clears, counters), as MongoDB guarantees. Stock FerretDB on SQLite reads, modifies and writes
// back in separate steps; our build serialises that per document a filter names by _id, else per
// collection (deploy/local/ferretdb).
const store = useStoreDatabase('atomicity', 50);

test('concurrent $inc on one document all count', async () => {
  const counters = store().collection<{ _id: string; n: number }>('counters');
  await counters.insertOne({ _id: 'c', n: 0 });
  await Promise.all(Array.from({ length: 200 }, () => counters.updateOne({ _id: 'c' }, { $inc: { n: 1 } })));
  expect((await counters.findOne({ _id: 'c' }))?.n).toBe(200);
});

test('a compare-and-set raced by many has exactly one winner, by update and by findOneAndUpdate', async () => {
  const locks = store().collection<{ _id: string; owner: string | null }>('locks');
  await locks.insertMany([{ _id: 'u', owner: null }, { _id: 'f', owner: null }]);
  const byUpdate = await Promise.all(
    Array.from({ length: 100 }, (_, i) => locks.updateOne({ _id: 'u', owner: null }, { $set: { owner: `w${i}` } })),
  );
  expect(byUpdate.filter((result) => result.modifiedCount === 1)).toHaveLength(1);
  const byFindAndModify = await Promise.all(
    Array.from({ length: 100 }, (_, i) => locks.findOneAndUpdate({ _id: 'f', owner: null }, { $set: { owner: `w${i}` } }, { returnDocument: 'after' })),
  );
  expect(byFindAndModify.filter((doc) => doc !== null)).toHaveLength(1);
});

test('concurrent upserts of one id make one document', async () => {
  const facts = store().collection<{ _id: string; seen: number }>('facts');
  const results = await Promise.allSettled(Array.from({ length: 50 }, () => facts.updateOne({ _id: 'x' }, { $inc: { seen: 1 } }, { upsert: true })));
  expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
  expect(await facts.countDocuments({ _id: 'x' })).toBe(1);
  expect((await facts.findOne({ _id: 'x' }))?.seen).toBe(50);
});

test('updates by id of many documents, by a short $in, and of the whole collection, all at once, all count', async () => {
  const docs = store().collection<{ _id: string; kind: string; a: number; b: number; c: number }>('mixed');
  await docs.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: `d${i}`, kind: 'x', a: 0, b: 0, c: 0 })));
  await Promise.all([
    ...Array.from({ length: 200 }, (_, i) => docs.updateOne({ _id: `d${i % 10}` }, { $inc: { a: 1 } })),
    ...Array.from({ length: 20 }, () => docs.updateMany({ kind: 'x' }, { $inc: { b: 1 } })),
    ...Array.from({ length: 30 }, () => docs.updateMany({ _id: { $in: ['d0', 'd5'] } }, { $inc: { c: 1 } })),
  ]);
  const stored = await docs.find({}).sort({ _id: 1 }).toArray();
  expect(stored).toEqual(Array.from({ length: 10 }, (_, i) => ({ _id: `d${i}`, kind: 'x', a: 20, b: 20, c: i === 0 || i === 5 ? 30 : 0 })));
});
