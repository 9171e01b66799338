// `npm test`: every test of every workspace, against the local FerretDB and Kafka
// (started here unless MONGODB_URL / KAFKA_BROKERS point elsewhere).
// Ends with one line "N passed, N failed" added up from jest's results of each workspace.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWorkspaceTests } from './workspace-tests.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
process.env.TURBO_TELEMETRY_DISABLED ??= '1';
const resultsDir = join(root, '.local/test-results');
const step = (message) => console.log(`[test] ${message}`);
const run = (command, args, env = process.env) => spawnSync(command, args, { cwd: root, stdio: 'inherit', env }).status ?? 1;

// Workspaces whose jest runs at once (deploy/local/workspace-tests.mjs).
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 3);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`[test] TEST_CONCURRENCY must be a whole number of 1 or more, not ${process.env.TEST_CONCURRENCY}`);
  process.exit(1);
}

// What this command starts, it stops at the end; what already ran keeps running, and we say so.
const localInfra = !process.env.MONGODB_URL || !process.env.KAFKA_BROKERS;
let startedInfra = false;
if (localInfra) {
  startedInfra = spawnSync('bash', ['deploy/local/infra.sh', 'status'], { cwd: root, stdio: 'ignore' }).status !== 0;
  step('making sure the local FerretDB and Kafka run');
  if (run('bash', ['deploy/local/infra.sh', 'up']) !== 0) process.exit(1);
}
function leaveInfra() {
  if (!localInfra) return;
  if (startedInfra) {
    step('stopping the local FerretDB and Kafka this command started');
    run('bash', ['deploy/local/infra.sh', 'stop']);
  } else {
    step('the local FerretDB and Kafka were already running and still are: `npm run infra -- stop` stops them');
  }
}

step('checking that gateway/supergraph.graphql matches a fresh composition');
const composed = run('npm', ['run', '-s', 'compose:check', '-w', '@crm/gateway']);

rmSync(resultsDir, { recursive: true, force: true });
const testEnv = {
  ...process.env,
  // A local run: the local development secrets and broker login (packages/auth/src/local-dev.ts).
  CRM_LOCAL_DEV: '1',
  JEST_RESULTS_DIR: resultsDir,
  // kafkajs 2.2.4 trips a harmless TimeoutNegativeWarning on Node 22+.
  NODE_OPTIONS: [process.env.NODE_OPTIONS, '--disable-warning=TimeoutNegativeWarning'].filter(Boolean).join(' '),
  KAFKAJS_NO_PARTITIONER_WARNING: '1',
};
step('codegen, one typecheck of every workspace, build');
const built = run('npx', ['turbo', 'run', 'check-types', 'build', '--continue', '--output-logs=new-only'], testEnv);

// Every workspace with tests; one whose jest never ran (a typecheck or build error) counts as a failure.
const workspaces = ['packages', 'services']
  .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(dir, name)))
  .concat('gateway')
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => pkg.scripts?.test)
  .map(({ dir, pkg }) => ({ dir, name: pkg.name.replace(/^@crm\//, '') }));
let tested = 1;
if (built === 0) {
  step(`jest in every workspace, ${concurrency} at a time, the longest first`);
  tested = (await runWorkspaceTests(root, workspaces, { concurrency, env: testEnv })).length === 0 ? 0 : 1;
}

mkdirSync(resultsDir, { recursive: true });
const failures = [];
/** When each workspace's jest ran, for the timeline below. */
const spans = [];
/** Each workspace's longest single tests. */
const slowestTests = [];
let passed = 0;
let failed = composed === 0 ? 0 : 1; // a stale supergraph counts as a failed check
for (const { name } of workspaces) {
  const file = join(resultsDir, `${name}.json`);
  if (!existsSync(file)) {
    console.error(`[test] ${name}: no jest results (its tests did not run)`);
    failed += 1;
    continue;
  }
  const result = JSON.parse(readFileSync(file, 'utf8'));
  passed += result.numPassedTests;
  if (result.seconds !== undefined) {
    const slowest = (result.slowest ?? []).map(({ file, seconds }) => `${file} ${seconds} s`).join(', ');
    step(`${name}: ${result.numPassedTests} passed, ${result.numFailedTests} failed in ${result.seconds} s${slowest ? ` (slowest: ${slowest})` : ''}`);
  }
  failed += result.numFailedTests + result.numRuntimeErrorTestSuites;
  failures.push(...(result.failures ?? []).map((failure) => `${name} ${failure}`));
  slowestTests.push(...(result.slowestTests ?? []).map((test) => ({ ...test, name })));
  if (result.startedAt && result.endedAt) spans.push({ name, start: Date.parse(result.startedAt), end: Date.parse(result.endedAt) });
}
// In seconds from the first jest start: what overlapped, what ran last.
if (spans.length > 0) {
  const first = Math.min(...spans.map((span) => span.start));
  const at = (ms) => Math.round((ms - first) / 1000);
  step(`timeline (s from the first jest start): ${spans.sort((a, b) => a.start - b.start).map((span) => `${span.name} ${at(span.start)}-${at(span.end)}`).join(', ')}`);
}
// The longest single tests of the run (the jest preset's limit is 120 s, a few tests set their own).
slowestTests.sort((a, b) => b.seconds - a.seconds).splice(5);
if (slowestTests.length > 0) step(`slowest tests: ${slowestTests.map(({ name, test, seconds }) => `${name} ${test} ${seconds} s`).join('; ')}`);
// Named again at the end, where a CI log's tail shows them.
for (const failure of failures) console.error(`[test] failed: ${failure}`);
leaveInfra();
const summary = `${passed} passed, ${failed} failed`;
writeFileSync(join(resultsDir, 'summary.txt'), `${summary}\n`);
console.log(summary);
process.exit(tested !== 0 || composed !== 0 || failed > 0 ? 1 : 0);
