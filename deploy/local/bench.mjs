// `npm run bench`: builds what the bench starts, makes sure the local FerretDB and Kafka run
// (unless MONGODB_URL / KAFKA_BROKERS point elsewhere), then runs @crm/bench, which prints the
// tables and writes them as JSON under .local/bench/. Figures only: nothing here asserts.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
process.env.TURBO_TELEMETRY_DISABLED ??= '1';
const step = (message) => console.log(`[bench] ${message}`);
const run = (command, args) => {
  const status = spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status ?? 1;
  if (status !== 0) process.exit(status);
};

if (!process.env.MONGODB_URL || !process.env.KAFKA_BROKERS) {
  step('making sure the local FerretDB and Kafka run');
  run('bash', ['deploy/local/infra.sh', 'up']);
}
// The gateways ours is measured against: their own lockfile, outside the workspaces, so that
// `npm install` (and CI) do not pull them. Reinstalled only when their lockfile changes.
const competitors = join(root, 'packages/bench/competitors');
const stamp = join(competitors, 'node_modules/.package-lock.json');
if (!existsSync(stamp) || statSync(stamp).mtimeMs < statSync(join(competitors, 'package-lock.json')).mtimeMs) {
  step('installing the gateways the bench compares with (packages/bench/competitors, first time only)');
  run('npm', ['ci', '--prefix', competitors, '--no-audit', '--no-fund']);
}
step('building the services and the gateway');
run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only']);
process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, '--disable-warning=TimeoutNegativeWarning'].filter(Boolean).join(' ');
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
// A local run: the local development secrets and broker login (packages/auth/src/local-dev.ts).
process.env.CRM_LOCAL_DEV = '1';
run('npm', ['run', '-s', 'bench', '-w', '@crm/bench']);
