// Store: key lookup, update and indexed list at growing collection sizes, on our FerretDB
// (patched SQLite backend, docs/local-infra.md) next to stock FerretDB/SQLite, one client each.
import { performance } from 'node:perf_hooks';
import mongoose from 'mongoose';
import { atLeast, atMost, percentiles, type Section } from '../report';
import { ferretdbBinaries, startFerretdb, type StoreUnderTest } from './ferretdb-process';

const SIZES = (process.env.BENCH_STORE_SIZES ?? '1000,10000,100000').split(',').map(Number);
/** Per operation and size: stop after this many operations or this many milliseconds. */
const MAX_OPS = Number(process.env.BENCH_STORE_OPS ?? 300);
const MAX_MS = Number(process.env.BENCH_STORE_MS ?? 3000);
const DEALS_PER_COMPANY = 20;
const TENANTS = ['tenant-a', 'tenant-b'];
/** Fields of the wide document: a hot counters document holds about this many move tokens. */
const WIDE_FIELDS = Number(process.env.BENCH_STORE_WIDE_FIELDS ?? 1000);

interface Figure {
  store: string;
  size: number;
  op: string;
  ops: number;
  perSecond: number;
  p50: number;
  p95: number;
}

/** A deal-shaped document (~400 bytes): ids are strings, as in the services. */
const deal = (i: number) => ({
  _id: `deal-${i.toString(36).padStart(8, '0')}`,
  tenantId: TENANTS[i % TENANTS.length]!,
  companyId: `company-${Math.floor(i / DEALS_PER_COMPANY)}`,
  stageId: `stage-${i % 7}`,
  title: `Deal number ${i} for office cleaning`,
  amount: 1000 + (i % 5000),
  currency: 'EUR',
  ownerId: `user-${i % 25}`,
  status: 'OPEN',
  stageHistory: [{ stageId: `stage-${i % 7}`, at: new Date(1_700_000_000_000 + i * 1000), by: `user-${i % 25}` }],
  outbox: [],
  createdAt: new Date(1_700_000_000_000 + i * 1000),
  updatedAt: new Date(1_700_000_000_000 + i * 1000),
});

async function timed(store: string, size: number, op: string, run: (i: number) => Promise<unknown>): Promise<Figure> {
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < MAX_OPS && (latencies.length < 3 || performance.now() - started < MAX_MS); i++) {
    const t0 = performance.now();
    await run(i);
    latencies.push(performance.now() - t0);
  }
  const { p50, p95 } = percentiles(latencies);
  return { store, size, op, ops: latencies.length, perSecond: (latencies.length * 1000) / (performance.now() - started), p50, p95 };
}

async function measureStore(store: StoreUnderTest): Promise<Figure[]> {
  const client = new mongoose.mongo.MongoClient(store.url);
  const figures: Figure[] = [];
  try {
    const deals = client.db('bench').collection<ReturnType<typeof deal>>('deals');
    // The indexes the deals service declares for these reads.
    await deals.createIndex({ tenantId: 1, companyId: 1 });
    await deals.createIndex({ tenantId: 1, stageId: 1, updatedAt: -1 });
    let seeded = 0;
    for (const size of SIZES) {
      for (; seeded < size; seeded += 1000) {
        await deals.insertMany(Array.from({ length: Math.min(1000, size - seeded) }, (_, k) => deal(seeded + k)), { ordered: false });
      }
      // Spread the probes over the whole collection: the same few ids would flatter a cache.
      const probe = (i: number) => deal((i * 7919) % size);
      figures.push(
        await timed(store.name, size, 'key lookup {_id, tenantId}', async (i) => {
          const { _id, tenantId } = probe(i);
          if (!(await deals.findOne({ _id, tenantId }))) throw new Error(`${_id} not found`);
        }),
        await timed(store.name, size, 'update {_id, tenantId} $set/$inc', async (i) => {
          const { _id, tenantId } = probe(i);
          const result = await deals.updateOne({ _id, tenantId }, { $set: { updatedAt: new Date() }, $inc: { amount: 1 } });
          if (result.matchedCount !== 1) throw new Error(`${_id} not updated`);
        }),
        await timed(store.name, size, `list {tenantId, companyId} sort limit 20`, async (i) => {
          const { tenantId, companyId } = probe(i);
          const page = await deals.find({ tenantId, companyId }).sort({ updatedAt: -1 }).limit(20).toArray();
          if (page.length === 0) throw new Error(`no deals of ${companyId}`);
        }),
      );
    }
    figures.push(await wideUpdates(store.name, client.db('bench').collection('counters')));
  } finally {
    await client.close();
  }
  return figures;
}

/**
 * A counters document's move (deal-facts/counter-fence.ts): $inc its counts, $set the move's
 * token and $unset the oldest, on a document whose token map holds WIDE_FIELDS fields.
 */
async function wideUpdates(store: string, counters: mongoose.mongo.Collection<mongoose.mongo.Document>): Promise<Figure> {
  const token = (i: number) => `${i.toString(36)}-${'x'.repeat(20)}`;
  const applied = Object.fromEntries(Array.from({ length: WIDE_FIELDS }, (_, i) => [token(i), true]));
  await counters.insertOne({ _id: 'wide' as never, tenantId: TENANTS[0], c: { n: { p1: 0 } }, applied });
  return timed(store, 1, `update of one ${WIDE_FIELDS}-field document ($inc, $set, $unset)`, async (i) => {
    const result = await counters.updateOne(
      { _id: 'wide' as never, tenantId: TENANTS[0] },
      { $inc: { 'c.n.p1': 1 }, $set: { [`applied.${token(WIDE_FIELDS + i)}`]: true }, $unset: { [`applied.${token(i)}`]: '' } },
    );
    if (result.modifiedCount !== 1) throw new Error('the wide document was not updated');
  });
}

export async function run(): Promise<Section[]> {
  const binaries = ferretdbBinaries();
  const figures: Figure[] = [];
  for (const [name, binary, args] of [
    ['ours (patched SQLite)', binaries.ours, []],
    ['stock FerretDB/SQLite', binaries.stock, ['-sqlite-synchronous', 'full']],
  ] as const) {
    console.log(`[bench] store: ${name}, sizes ${SIZES.join(', ')}...`);
    const store = await startFerretdb(name.startsWith('ours') ? 'ours' : 'stock', binary, [...args]);
    try {
      figures.push(...(await measureStore({ ...store, name })));
    } finally {
      await store.stop();
    }
  }

  const find = (store: string, size: number, op: string) => figures.find((f) => f.store.startsWith(store) && f.size === size && f.op.startsWith(op));
  const largest = Math.max(...SIZES);
  const smallest = Math.min(...SIZES);
  const goals = [];
  for (const op of ['key lookup', 'list', 'update']) {
    const ours = find('ours', largest, op);
    const stock = find('stock', largest, op);
    const small = find('ours', smallest, op);
    if (!ours || !stock || !small) continue;
    if (op !== 'update') goals.push(atLeast(`${op} at ${largest} docs: ours vs stock (p50)`, stock.p50 / ours.p50, 20));
    goals.push(atMost(`${op}, ours: p50 at ${largest} / p50 at ${smallest} docs`, ours.p50 / small.p50, 2, '×'));
  }
  const wideOurs = find('ours', 1, 'update of one');
  const wideStock = find('stock', 1, 'update of one');
  return [
    {
      title: 'Store: one client, ops/s and latency (ms) by collection size',
      columns: ['store', 'documents', 'operation', 'ops', 'ops/s', 'p50 ms', 'p95 ms'],
      rows: figures.map((f) => ({ store: f.store, documents: f.size, operation: f.op, ops: f.ops, 'ops/s': f.perSecond, 'p50 ms': f.p50, 'p95 ms': f.p95 })),
      goals,
      notes: [
        `Each operation runs ${MAX_OPS} times or ${MAX_MS} ms, whichever ends first; probes spread over the collection; ${DEALS_PER_COMPANY} deals per company.`,
        ...(wideOurs && wideStock
          ? [`The ${WIDE_FIELDS}-field document: a hot counters document's tokens. Stock p50 / ours: ${(wideStock.p50 / wideOurs.p50).toFixed(1)}× (stock FerretDB reads and writes such a document in time that grows with the square of its fields).`]
          : []),
      ],
    },
  ];
}
