import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { useStoreDatabase } from './store-database';

// Our store build closes an update's read before it writes (deploy/local/ferretdb,
// handler-update-read-closed-before-write.patch). Upstream kept every statement's read open
// until the command ended: a bulk of about 50 updates took all of SQLite's pooled connections
// and hung, and since a write never began without a reader on the write-ahead log, SQLite never
// reset it: it grew by megabytes a second and every commit's checkpoint sorted all of it.
const store = useStoreDatabase('bulk', 1); // one connection: nothing else reads meanwhile

type Doc = { _id: string; tenantId: string; n: number; pad?: string };

test('a bulk write of 300 updates, upserts among them, applies each once', async () => {
  const docs = store().collection<Doc>('bulk');
  await docs.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: `d${i}`, tenantId: 't1', n: 0 })));
  const operations = Array.from({ length: 300 }, (_, i) => ({
    updateOne: { filter: { _id: `d${i}`, tenantId: 't1' }, update: { $inc: { n: i + 1 } }, upsert: i >= 280 },
  }));
  const result = await docs.bulkWrite(operations, { ordered: false });
  expect({ matched: result.matchedCount, upserted: result.upsertedCount }).toEqual({ matched: 250, upserted: 20 });
  const stored = await docs.find({}).sort({ n: 1 }).toArray();
  // d250..d279 matched nothing and were not upserts; d280..d299 were inserted by their upsert.
  expect(stored.map((doc) => [doc._id, doc.n])).toEqual([...Array.from({ length: 250 }, (_, i) => [`d${i}`, i + 1]), ...Array.from({ length: 20 }, (_, i) => [`d${280 + i}`, 281 + i])]);
}, 30_000);

test('steady single-document updates keep the write-ahead log bounded', async () => {
  const docs = store().collection<Doc>('steady');
  await docs.createIndex({ tenantId: 1, n: 1 });
  await docs.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: `s${i}`, tenantId: 't1', n: 0, pad: 'x'.repeat(500) })));
  for (let round = 0; round < 10; round += 1) {
    for (let i = 0; i < 300; i += 1) await docs.updateOne({ _id: `s${i}`, tenantId: 't1' }, { $inc: { n: 1 } });
  }
  expect(await docs.countDocuments({ tenantId: 't1', n: 10 })).toBe(300);
  // SQLite checkpoints at 1,000 pages (4 MB) and starts the log again from its beginning. Without
  // that, these 3,000 commits (several pages each) leave a log of about 40 MB.
  const dataDir = resolve(process.env.CRM_LOCAL_DIR ?? resolve(__dirname, '../../../.local'), 'ferretdb/data');
  const walBytes = statSync(resolve(dataDir, `${store().databaseName}.sqlite-wal`)).size;
  expect(walBytes).toBeLessThan(12 * 1024 * 1024);
}, 60_000);
