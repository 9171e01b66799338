import { isDuplicateKey } from '@crm/messaging';
import { useStoreDatabase } from './store-database';

// Many writes to one database at once, as a service's requests and consumers make them: each
// stands or falls alone. What was acknowledged is stored, what was refused (a unique index, a
// time limit) is not, and concurrent updates of one document all count. Our build commits the
// writes that queue for a database together, each in a savepoint (deploy/local/ferretdb).
const store = useStoreDatabase('concurrent', 32); // many connections: the writes are in flight together

type Doc = { _id: string; k: string; n: number };
const outcome = (write: Promise<unknown>) => write.then(() => 'ok' as const, (error: unknown) => (isDuplicateKey(error) ? ('duplicate' as const) : String(error)));

test('concurrent inserts, a quarter refused by a unique index, store exactly the acknowledged ones', async () => {
  const docs = store().collection<Doc>('inserts');
  await docs.createIndex({ k: 1 }, { unique: true });
  // Every fourth insert repeats the key of the one before it: of each such pair, one is refused.
  const writes = Array.from({ length: 400 }, (_, i) => ({ _id: `d${i}`, k: `k${i % 4 === 3 ? i - 1 : i}`, n: i }));
  const outcomes = await Promise.all(writes.map((doc) => outcome(docs.insertOne(doc))));
  expect(outcomes.filter((result) => result !== 'ok' && result !== 'duplicate')).toEqual([]);
  expect(outcomes.filter((result) => result === 'duplicate')).toHaveLength(100);
  const stored = (await docs.find({}).toArray()).map((doc) => doc._id).sort();
  expect(stored).toEqual(writes.filter((_, i) => outcomes[i] === 'ok').map((doc) => doc._id).sort());
});

test('concurrent updates of several documents each apply once; a refused one changes nothing', async () => {
  const docs = store().collection<Doc>('updates');
  await docs.createIndex({ k: 1 }, { unique: true });
  await docs.insertMany(Array.from({ length: 8 }, (_, i) => ({ _id: `u${i}`, k: `k${i}`, n: 0 })));
  // 50 increments of each document at once, and among them writes that take another document's key.
  const increments = Array.from({ length: 400 }, (_, i) => outcome(docs.updateOne({ _id: `u${i % 8}` }, { $inc: { n: 1 } })));
  const stealers = Array.from({ length: 40 }, (_, i) => outcome(docs.updateOne({ _id: `u${i % 8}` }, { $set: { k: `k${(i + 1) % 8}` }, $inc: { n: 1000 } })));
  const [incremented, stolen] = await Promise.all([Promise.all(increments), Promise.all(stealers)]);
  expect(incremented.every((result) => result === 'ok')).toBe(true);
  expect(stolen.every((result) => result === 'duplicate')).toBe(true);
  const stored = await docs.find({}).sort({ _id: 1 }).toArray();
  expect(stored).toEqual(Array.from({ length: 8 }, (_, i) => ({ _id: `u${i}`, k: `k${i}`, n: 50 })));
});

test('writes cut short by their time limit while others run: each acknowledged write is stored, each failed one is not', async () => {
  const docs = store().collection<Doc>('limited');
  await docs.createIndex({ k: 1 });
  await docs.createIndex({ n: 1 });
  // Inserts of sizeable documents, every third with a 1 ms limit, in flight together.
  const pad = 'x'.repeat(2_000);
  const writes = Array.from({ length: 300 }, (_, i) => ({ _id: `t${i}`, k: `${pad}${i}`, n: i }));
  const outcomes = await Promise.all(writes.map((doc, i) => outcome(docs.insertOne(doc, i % 3 === 0 ? { maxTimeMS: 1 } : {}))));
  const failed = outcomes.filter((result) => result !== 'ok');
  // Only a time limit may fail a write here (what is cut short depends on the machine's load).
  expect(failed.filter((result) => !/exceeded time limit|MaxTimeMSExpired|operation exceeded/i.test(result))).toEqual([]);
  expect(outcomes.filter((result, i) => result === 'ok' && i % 3 !== 0).length).toBeGreaterThan(0);
  const stored = new Set((await docs.find({}, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id));
  expect(writes.filter((doc, i) => (outcomes[i] === 'ok') !== stored.has(doc._id)).map((doc) => doc._id)).toEqual([]);
});
