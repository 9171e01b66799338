// A filtered, sorted companies page over 100k companies of one tenant, through the contacts
// subgraph as built (`node dist/main.js`) on the local store: the list figure.
// BENCH_COMPANIES (100000) companies, BENCH_PAGE_OPS (100) requests per case. Asserts nothing.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { dataOf, freePort, subgraphRequest, testIdentity, uniqueId, waitFor } from '@crm/testing';
import mongoose from 'mongoose';
import { percentiles, type Section } from '../report';

const COMPANIES = Number(process.env.BENCH_COMPANIES ?? 100_000);
const OPS = Number(process.env.BENCH_PAGE_OPS ?? 100);
const OWNERS = 50;
const MAX_TIMEOUTS = 3;
const INDUSTRIES = ['Logistics', 'Wholesale', 'Food', 'Retail', 'Construction', 'Cleaning', 'Education', 'Software'];
// An admin reads the whole tenant; a manager reads only their team's companies (issue 10's
// rights), which none of these seeded owners belongs to.
const tenant = testIdentity(undefined, ['admin']);

/** A company as the contacts service stores it (modules/company/company.model.ts), ~600 bytes. */
const company = (i: number) => {
  const name = `Company ${i.toString(36)} ${INDUSTRIES[i % INDUSTRIES.length]} GmbH`;
  return {
    _id: new mongoose.Types.ObjectId(),
    tenantId: tenant.tenantId,
    name,
    nameKey: name.toLowerCase(),
    website: `https://c${i}.example.com`,
    domain: `c${i}.example.com`,
    industry: INDUSTRIES[i % INDUSTRIES.length],
    ownerId: `user-${i % OWNERS}`,
    teamId: `team-${i % 5}`,
    territoryId: `territory-${i % 12}`,
    source: 'IMPORT',
    tags: i % 3 === 0 ? ['vip'] : [],
    phones: [{ type: 'WORK', number: `+4930${String(1_000_000 + i)}`, primary: true }],
    emails: [{ type: 'WORK', address: `info@c${i}.example.com`, primary: true }],
    addresses: [],
    messengers: [],
    customFields: { vatGroup: ['A', 'B', 'C'][i % 3], employees: i % 500 },
    profile: { mainCustomers: [], shareholders: [], competitors: [], litigation: [], solvency: null, paymentTerms: null },
    potential: i % 4 === 0 ? null : { amount: (i * 7919) % 250_000, currency: 'EUR' },
    abcClass: ['A', 'B', 'C'][i % 3],
    riskFlags: [],
    completeness: { percent: 100, missing: [] },
    mergedIds: [],
    outbox: [],
    createdAt: new Date(1_700_000_000_000 + i * 60_000),
    updatedAt: new Date(1_700_000_000_000 + i * 60_000),
  };
};

const PAGE = `query ($filter: CompanyFilter, $orderBy: [CompanyOrder!], $after: String, $count: Boolean!) {
  companies(filter: $filter, orderBy: $orderBy, first: 20, after: $after) { totalCount @include(if: $count) edges { node { id name potential { amount } } } pageInfo { endCursor hasNextPage } }
}`;

const owner = (i: number) => `user-${(i * 7) % OWNERS}`;
const cases: { name: string; variables: (i: number) => Record<string, unknown>; nextPage?: boolean }[] = [
  {
    name: 'owner EQ + potential GTE, by potential desc, name',
    variables: (i) => ({ filter: { and: [{ field: 'OWNER_ID', op: 'EQ', value: owner(i) }, { field: 'POTENTIAL', op: 'GTE', value: 50_000 }] }, orderBy: [{ field: 'POTENTIAL', direction: 'DESC' }, { field: 'NAME' }], count: false }),
  },
  {
    name: 'same, with totalCount',
    variables: (i) => ({ filter: { and: [{ field: 'OWNER_ID', op: 'EQ', value: owner(i) }, { field: 'POTENTIAL', op: 'GTE', value: 50_000 }] }, orderBy: [{ field: 'POTENTIAL', direction: 'DESC' }, { field: 'NAME' }], count: true }),
  },
  {
    name: 'same, the next page (cursor)',
    variables: (i) => ({ filter: { and: [{ field: 'OWNER_ID', op: 'EQ', value: owner(i) }, { field: 'POTENTIAL', op: 'GTE', value: 50_000 }] }, orderBy: [{ field: 'POTENTIAL', direction: 'DESC' }, { field: 'NAME' }], count: false }),
    nextPage: true,
  },
  {
    name: 'territory IN (2) + industry EQ + custom field, by name',
    variables: (i) => ({
      filter: { and: [{ field: 'TERRITORY_ID', op: 'IN', values: [`territory-${i % 12}`, `territory-${(i + 1) % 12}`] }, { field: 'INDUSTRY', op: 'EQ', value: INDUSTRIES[i % INDUSTRIES.length] }, { customField: 'vatGroup', op: 'EQ', value: 'A' }] },
      orderBy: [{ field: 'NAME' }],
      count: false,
    }),
  },
  {
    name: 'tenant-wide: name CONTAINS, newest first (no indexed equality)',
    variables: (i) => ({ filter: { field: 'NAME', op: 'CONTAINS', value: `y ${(i % 30).toString(36)}` }, count: false }),
  },
];

export async function run(): Promise<Section[]> {
  const database = `bench_companies_${uniqueId('db').slice(3)}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const root = resolve(__dirname, '../../../..');
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: resolve(root, 'services/contacts'),
    env: { ...process.env, CRM_LOCAL_DEV: '1', PORT: String(port), MONGODB_DB: database, KAFKA_GROUP_SUFFIX: `.${uniqueId('bench')}`, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const store = await mongoose.createConnection(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017', { dbName: database }).asPromise();
  const rows: Section['rows'] = [];
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined))?.ok === true, { timeoutMs: 180_000, intervalMs: 500, what: 'contacts ready' });
    const started = performance.now();
    const companies = store.collection('companies');
    for (let seeded = 0; seeded < COMPANIES; seeded += 1000) {
      await companies.insertMany(Array.from({ length: Math.min(1000, COMPANIES - seeded) }, (_, k) => company(seeded + k)), { ordered: false });
    }
    console.log(`[bench] contacts: seeded ${COMPANIES} companies in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const call = (variables: Record<string, unknown>) => subgraphRequest(url, tenant, PAGE, variables).then(dataOf);
    /** A page over the store's time limit is a figure too (its code), not the end of the bench. */
    const timedOut = (error: unknown) => error instanceof Error && /STORE_TIMEOUT/.test(error.message);

    for (const { name, variables, nextPage } of cases) {
      const latencies: number[] = [];
      let matched = 0;
      let timeouts = 0;
      for (let i = 0; i < OPS && timeouts < MAX_TIMEOUTS; i++) {
        const t0 = performance.now();
        try {
          const first = nextPage ? (await call(variables(i))).companies.pageInfo.endCursor : undefined;
          const t1 = nextPage ? performance.now() : t0;
          const answer = await call({ ...variables(i), after: first });
          latencies.push(performance.now() - t1);
          matched += answer.companies.edges.length;
          if (i === 0 && answer.companies.edges.length === 0) throw new Error(`${name}: an empty page measures nothing`);
        } catch (error) {
          if (!timedOut(error)) throw error;
          timeouts += 1;
        }
      }
      const { p50, p95 } = percentiles(latencies);
      rows.push({ case: name, companies: COMPANIES, requests: latencies.length + timeouts, 'rows/page': latencies.length ? matched / latencies.length : null, 'p50 ms': latencies.length ? p50 : null, 'p95 ms': latencies.length ? p95 : null, 'store timeouts': timeouts });
    }
  } finally {
    await store.dropDatabase().catch(() => undefined);
    await store.close();
    child.kill('SIGTERM');
  }
  return [
    {
      title: `Contacts: a filtered, sorted companies page (20) over ${COMPANIES} companies of one tenant, one client`,
      columns: ['case', 'companies', 'requests', 'rows/page', 'p50 ms', 'p95 ms', 'store timeouts'],
      rows,
      notes: [
        `Through the contacts subgraph (dist/main.js) on the local store; ${OWNERS} owners (${COMPANIES / OWNERS} companies each), 12 territories, 8 industries.`,
        'Read as an admin (the whole tenant); a manager\'s or head of sales\' page also filters by the owners of their teams.',
        'The local store sorts and limits after reading every match of the indexed equality (docs/local-infra.md): a page costs its filter\'s match, not 20 rows. Index use: services/contacts/src/modules/list-filter/README.md.',
        `store timeouts: requests answered STORE_TIMEOUT (STORE_QUERY_TIMEOUT_MS, 5 s); a case stops after ${MAX_TIMEOUTS} of them.`,
      ],
    },
  ];
}
