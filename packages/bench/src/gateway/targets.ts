// The gateways under test, each started as its own child process (so its RSS is its own) on a
// free loopback port, in front of the same static subgraphs and the same supergraph.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { freePort } from '@crm/testing';
import { signUserToken } from '@crm/auth';
import type { SubgraphCounts, SubgraphName } from './static-subgraphs';

const root = resolve(__dirname, '../../../..');


/** VmRSS of a process, in MiB (Linux). */
export function rssMiB(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return match ? Number(match[1]) / 1024 : NaN;
}

/** CPU time (user + system) a process has used so far, in seconds (Linux, 100 ticks a second). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface RunningTarget {
  name: string;
  url: string;
  /** Headers every request carries (ours needs a user token). */
  headers: Record<string, string>;
  pid: number;
  output: string[];
  stop(): Promise<void>;
}

export interface TargetSpec {
  name: string;
  start(subgraphUrls: Record<SubgraphName, string>, supergraphPath: string): Promise<RunningTarget>;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** Starts a process and waits until its GraphQL endpoint answers `{ __typename }`. */
async function launch(name: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; port: number; path?: string; headers?: Record<string, string> }): Promise<RunningTarget> {
  const output: string[] = [];
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each Node target when it stops.
  const profile = process.env.BENCH_CPU_PROF && command === node ? [`--cpu-prof`, `--cpu-prof-dir=${resolve(process.env.BENCH_CPU_PROF)}`, `--cpu-prof-name=${name.replace(/\W+/g, '-')}-${Date.now()}.cpuprofile`] : [];
  const child = spawn(command, [...profile, ...args], { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const url = `http://127.0.0.1:${options.port}${options.path ?? '/graphql'}`;
  const headers = options.headers ?? {};
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited while starting:\n${output.join('')}`);
    const ok = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"query":"{ __typename }"}' })
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() - started > 60_000) {
      await stopChild(child);
      throw new Error(`${name} did not answer within 60 s:\n${output.join('')}`);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  return { name, url, headers, pid: child.pid!, output, stop: () => stopChild(child) };
}

const node = process.execPath;
const tsx = ['--import', 'tsx'];

/** The flags npm start and the images run our gateway with (deploy/local/start.mjs, deploy/docker/service.Dockerfile). */
export const oursNodeFlags = (process.env.BENCH_OURS_NODE_FLAGS ?? '--max-semi-space-size=2').split(' ').filter(Boolean);

/** Our gateway: the built gateway/dist/main.js as production runs it, verifying a real user JWT. */
export const ours: TargetSpec = {
  name: 'ours (gateway/)',
  async start(urls) {
    const port = await freePort();
    const jwtSecret = randomBytes(24).toString('hex');
    const token = await signUserToken({ tenantId: 'bench-tenant', userId: 'bench-user', roles: ['manager'] }, jwtSecret);
    return launch('ours', node, [...oursNodeFlags, 'dist/main.js'], {
      cwd: join(root, 'gateway'),
      port,
      headers: { authorization: `Bearer ${token}` },
      env: {
        // Measured as production runs it: its own strong secrets, not a local run.
        CRM_LOCAL_DEV: '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        JWT_SECRET: jwtSecret,
        INTERNAL_SECRET: randomBytes(24).toString('hex'),
        ...Object.fromEntries(Object.entries(urls).map(([name, url]) => [`SUBGRAPH_${name.toUpperCase()}_URL`, url])),
      },
    });
  },
};

export const stockApollo: TargetSpec = {
  name: 'stock @apollo/gateway',
  async start(_urls, supergraphPath) {
    const port = await freePort();
    return launch('stock', node, [join(__dirname, 'stock-gateway-process.cjs')], { port, env: { SUPERGRAPH_PATH: supergraphPath, PORT: String(port) } });
  },
};

export const hiveGateway: TargetSpec = {
  name: '@graphql-hive/gateway',
  async start(_urls, supergraphPath) {
    const port = await freePort();
    // Installed apart from the workspaces by `npm run bench` (packages/bench/competitors).
    const bin = join(dirname(require.resolve('@graphql-hive/gateway/package.json', { paths: [resolve(__dirname, '../../competitors')] })), 'dist/bin.js');
    return launch('hive gateway', node, [bin, 'supergraph', supergraphPath, '--host', '127.0.0.1', '--port', String(port)], { port, env: { NODE_ENV: 'production' } });
  },
};

/** Hive Router (Rust), only when HIVE_ROUTER_BIN points at a built binary. */
export const hiveRouter = (bin: string): TargetSpec => ({
  name: 'Hive Router',
  async start(_urls, supergraphPath) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'hive-router-'));
    writeFileSync(join(dir, 'router.config.yaml'), `supergraph:\n  source: file\n  path: ${supergraphPath}\nhttp:\n  host: 127.0.0.1\n  port: ${port}\n`);
    return launch('hive router', bin, [], { cwd: dir, port, env: { HOST: '127.0.0.1', PORT: String(port), SUPERGRAPH_FILE_PATH: supergraphPath } });
  },
});

/** The four static subgraphs in one child process, with their representation counts over IPC. */
export async function startSubgraphsProcess() {
  const child = fork(join(__dirname, 'subgraphs-process.ts'), [], { execArgv: tsx, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = (type: 'counts' | 'reset') =>
    new Promise<Record<SubgraphName, SubgraphCounts>>((done) => {
      const onMessage = (message: { type: string; counts: Record<SubgraphName, SubgraphCounts> }) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        done(message.counts);
      };
      child.on('message', onMessage);
      child.send({ type });
    });
  const urls = await new Promise<Record<SubgraphName, string>>((done, fail) => {
    child.once('message', (message: { urls: Record<SubgraphName, string> }) => done(message.urls));
    child.once('exit', (code) => fail(new Error(`static subgraphs exited (${code}) while starting`)));
  });
  return { urls, pid: child.pid!, counts: () => ask('counts'), reset: () => ask('reset'), stop: () => stopChild(child) };
}

/** The supergraph our gateway uses, with the static subgraphs' URLs, for the other targets. */
export function writeSupergraph(urls: Record<SubgraphName, string>): string {
  let sdl = readFileSync(join(root, 'gateway/supergraph.graphql'), 'utf8');
  for (const [name, url] of Object.entries(urls)) sdl = sdl.replace(new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]+`), `$1${url}`);
  const path = join(mkdtempSync(join(tmpdir(), 'bench-supergraph-')), 'supergraph.graphql');
  writeFileSync(path, sdl);
  return path;
}
