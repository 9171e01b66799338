// `npm start`: the whole platform on this machine.
// Local FerretDB and Kafka unless MONGODB_URL / KAFKA_BROKERS point elsewhere, then the
// four subgraphs and the gateway. Ctrl-C stops everything this command started.
import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
process.env.TURBO_TELEMETRY_DISABLED ??= '1';
const step = (message) => console.log(`\x1b[1m[start]\x1b[0m ${message}`);
const services = [
  { name: 'contacts', dir: 'services/contacts', ready: 'http://127.0.0.1:4001/ready' },
  { name: 'deals', dir: 'services/deals', ready: 'http://127.0.0.1:4002/ready' },
  { name: 'activities', dir: 'services/activities', ready: 'http://127.0.0.1:4003/ready' },
  { name: 'analytics', dir: 'services/analytics', ready: 'http://127.0.0.1:4004/ready' },
  { name: 'gateway', dir: 'gateway', ready: 'http://127.0.0.1:4000/health' },
];
const children = [];
let startedInfra = false;
let stopping = false;

const portAnswers = (port) =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => resolve(socket.end() && true));
    socket.on('error', () => resolve(false));
  });

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[start] ${command} ${args.join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
}

async function waitReady(url, name, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then((response) => response.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} did not become ready at ${url}`);
}

function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => {
    if (startedInfra) {
      step('stopping the local store and broker this command started');
      spawnSync('bash', ['deploy/local/infra.sh', 'stop'], { cwd: root, stdio: 'inherit' });
    }
    process.exit(code);
  }, 1500);
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

if (!process.env.MONGODB_URL || !process.env.KAFKA_BROKERS) {
  const running = (await portAnswers(27017)) && (await portAnswers(9092));
  step(running ? 'local FerretDB and Kafka already running' : 'starting the local store (FerretDB) and broker (Kafka); the first time this builds and downloads them');
  run('bash', ['deploy/local/infra.sh', 'up']);
  startedInfra = !running;
} else {
  step(`using MONGODB_URL and KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
}

step('generating resolver types and building the services and gateway (cached after the first time)');
run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only', '--filter=./services/*', '--filter=@crm/gateway']);

step('starting contacts, deals, activities, analytics and the gateway');
for (const service of services) {
  // kafkajs 2.2.4 trips a harmless TimeoutNegativeWarning on Node 22+; keep the console readable.
  // --max-semi-space-size=2 and no --enable-source-maps keep each process under 150 MB RSS
  // (the same flags as the images' CMD; see docs/architecture.md, "Memory").
  const child = spawn(process.execPath, ['--max-semi-space-size=2', '--disable-warning=TimeoutNegativeWarning', 'dist/main.js'], {
    cwd: join(root, service.dir),
    // CRM_LOCAL_DEV: a local run, so the services take the local development secrets and broker
    // login (packages/auth/src/local-dev.ts); nothing outside deploy/local and the tests sets it.
    env: { LOG_LEVEL: 'warn', ...process.env, CRM_LOCAL_DEV: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `${service.name.padEnd(10)} | `;
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => process.stdout.write(chunk.replace(/^(?=.)/gm, prefix)));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${service.name} exited (${signal ?? code}); stopping everything`);
      stopAll(1);
    }
  });
  children.push(child);
}

try {
  await Promise.all(services.map((service) => waitReady(service.ready, service.name)));
} catch (error) {
  console.error(`[start] ${error.message}`);
  stopAll(1);
}
step('\x1b[32mthe CRM is up\x1b[0m');
console.log(`
  GraphQL gateway (Apollo Sandbox in a browser):  http://127.0.0.1:4000/graphql
  A token for it:  npm run token -- --tenant acme --user alice --role admin
  Ctrl-C stops everything this command started.
`);
