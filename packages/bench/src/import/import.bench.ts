// The 100k-row import through the real gateway and contacts service (`node dist/main.js`, as npm
// start runs them): a CSV generated on the fly is streamed into POST /uploads, imported, and the
// job polled until DONE. Figures: rows/s (from startImport to DONE) and the contacts process's
// peak RSS. BENCH_IMPORT_ROWS (100000). Prints figures, asserts nothing.
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { LOCAL_JWT_SECRET, signUserToken } from '@crm/auth';
import { dataOf, gatewayClient, startStack, testIdentity, waitFor } from '@crm/testing';
import { atLeast, type Section } from '../report';
import { benchNodeArgs } from '../node-args';
import { watchMemory } from '../slice/memory';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);

/** People at 2,000 companies: one company per 50 rows, as a real client list. */
function* csvLines(rows: number): Generator<string> {
  yield 'Company,Full name,Phone,Email,Position\n';
  for (let i = 0; i < rows; i += 1) {
    yield `Company ${i % 2000} GmbH,Person${i} Family${i},+49 30 ${String(1_000_000 + i).padStart(7, '0')},person${i}@bench.example,Buyer\n`;
  }
}

export async function run(): Promise<Section[]> {
  const stack = await startStack({ nodeArgs: benchNodeArgs() });
  try {
    const identity = testIdentity(undefined, ['manager']);
    const call = gatewayClient(stack.gatewayUrl, identity);
    const contacts = stack.processes.find((p) => p.name === 'contacts')!;
    const memory = watchMemory([contacts]);
    memory.mark('upload');
    const uploadStarted = performance.now();
    const response = await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/uploads'), {
      method: 'POST',
      headers: { authorization: `Bearer ${await signUserToken(identity, process.env.JWT_SECRET ?? LOCAL_JWT_SECRET)}`, 'content-type': 'text/csv' },
      body: Readable.toWeb(Readable.from(csvLines(ROWS))) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const { uploadId, size } = (await response.json()) as { uploadId: string; size: number };
    const uploadSeconds = (performance.now() - uploadStarted) / 1000;
    memory.mark('import');
    const started = performance.now();
    const mapping = [
      { column: 'Company', field: 'company.name' },
      { column: 'Full name', field: 'fullName' },
      { column: 'Phone', field: 'phone' },
      { column: 'Email', field: 'email' },
      { column: 'Position', field: 'position' },
    ];
    const { startImport } = dataOf(await call(`mutation ($input: StartImportInput!) { startImport(input: $input) { id } }`, { input: { uploadId, mapping } }));
    const job = await waitFor(
      async () => {
        const current = dataOf(await call(`query ($id: ID!) { importJob(id: $id) { status processed created failed companiesCreated } }`, { id: startImport.id })).importJob;
        return current.status === 'DONE' || current.status === 'FAILED' ? current : undefined;
      },
      { timeoutMs: 3_600_000, intervalMs: 1000, what: 'the import to finish' },
    );
    const seconds = (performance.now() - started) / 1000;
    memory.stop();
    const rowsPerSecond = Math.round(ROWS / seconds);
    const peak = Math.round(memory.peak('contacts'));
    return [
      {
        title: `import: ${ROWS} CSV rows through POST /uploads and startImport (contacts + companies, de-duplicated, with events)`,
        columns: ['rows', 'file MB', 'upload s', 'import s', 'rows/s', 'created', 'companies', 'failed', 'status', 'contacts peak RSS MiB'],
        rows: [
          {
            rows: ROWS,
            'file MB': Math.round((size / 1024 / 1024) * 10) / 10,
            'upload s': Math.round(uploadSeconds * 10) / 10,
            'import s': Math.round(seconds * 10) / 10,
            'rows/s': rowsPerSecond,
            created: job.created,
            companies: job.companiesCreated,
            failed: job.failed,
            status: job.status,
            'contacts peak RSS MiB': peak,
          },
        ],
        goals: [atLeast('import rows/s', rowsPerSecond, 5000, ' rows/s')],
        notes: [`The relay publishes the ${(ROWS + Math.min(ROWS, 2000)).toLocaleString('en')} created events (people and companies) meanwhile, from the same process and store.`],
      },
    ];
  } finally {
    await stack.stop();
  }
}
