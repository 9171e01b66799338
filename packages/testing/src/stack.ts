import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import mongoose from 'mongoose';
import { freePort, freePorts } from './free-port';
import { sharedStack } from './shared-stack';
import { uniqueId } from './tenants';
import { waitFor } from '@crm/messaging/testing';

const root = resolve(__dirname, '../../..');
/**
 * A small young generation (2 MB semi-spaces, V8's default grows them to 16 MB and more) and no
 * --enable-source-maps (it parses every bundle's and dependency's source map at start: about
 * 100 MB of RSS per process, measured): each process idles well under 150 MB.
 */
const NODE_FLAGS = ['--max-semi-space-size=2'];
export const stackServices = ['contacts', 'deals', 'activities', 'analytics'] as const;
export type StackService = (typeof stackServices)[number];

export interface StackProcess {
  /** contacts, deals, activities, analytics, gateway, or the name given to an extra instance. */
  name: string;
  /** The current process (a restart changes it). */
  pid: number;
  /** The port it listens on (subgraphs: their /graphql; gateway: the one endpoint). Kept across restarts. */
  port: number;
  /** Subgraphs: the database it writes to (kept across restarts). */
  database?: string;
}

export interface StackOptions {
  /** Extra node flags for every process, after the ones npm start uses (the bench tries memory flags). */
  nodeArgs?: string[];
  /** Extra environment for every process (MONGODB_URL and KAFKA_BROKERS of another store and broker, say). */
  env?: NodeJS.ProcessEnv;
}

export interface Stack {
  gatewayUrl: string;
  /** Each subgraph's own URL (by name), for callers that sign the identity themselves. */
  subgraphUrls: Record<string, string>;
  /** The processes started, for their resource use (/proc/<pid>/status). */
  processes: StackProcess[];
  databases: string[];
  /** The suffix of the stack's consumer groups (`<group><suffix>`), to read their offsets. */
  groupSuffix: string;
  /** What the processes printed, for a failing test's message. */
  output: string[];
  /** Ends one process with `signal` (SIGKILL: a crash) and resolves once it exited. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts a process again as it was (same port, database, consumer groups) and waits until it is
   * ready, or only starts it with `{ wait: false }` (then `ready(name)` waits).
   */
  restart(name: string, options?: { wait?: boolean }): Promise<void>;
  /** Waits until a process answers ready (a subgraph's /ready, the gateway's /health). */
  ready(name: string): Promise<void>;
  /**
   * Starts one more instance of a service under `name`, with a database and consumer groups of
   * its own (a control run beside the stack's), and waits until it is ready.
   */
  addService(name: string, service: StackService): Promise<StackProcess>;
  /** Whether a process runs now. */
  isRunning(name: string): boolean;
  stop(): Promise<void>;
}

interface Member {
  process: StackProcess;
  dir: string;
  env: NodeJS.ProcessEnv;
  /** /ready for a subgraph, /health for the gateway. */
  readyUrl: string;
  child?: ChildProcess;
}

/**
 * Starts the four subgraphs and the gateway as the built artifacts (`node dist/main.js`),
 * the way `npm start` and the containers run them: own databases, own consumer groups, free ports.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const run = uniqueId('e2e').replace(/-/g, '_');
  const output: string[] = [];
  const members = new Map<string, Member>();
  const [gatewayPort, ...servicePorts] = (await freePorts(stackServices.length + 1)) as [number, ...number[]];
  const ports = Object.fromEntries(stackServices.map((name, i) => [name, servicePorts[i]!] as const));

  const spawnMember = (member: Member) => {
    const { name, port } = member.process;
    output.push(`${name} on port ${port}\n`);
    // The flags npm start and the images use (deploy/local/start.mjs, deploy/docker/service.Dockerfile).
    const child = spawn(process.execPath, [...NODE_FLAGS, '--disable-warning=TimeoutNegativeWarning', ...(options.nodeArgs ?? []), 'dist/main.js'], {
      cwd: resolve(root, member.dir),
      // CRM_LOCAL_DEV: a local run, with the local development secrets and broker login.
      env: { ...process.env, CRM_LOCAL_DEV: '1', NODE_ENV: 'test', LOG_LEVEL: 'warn', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...options.env, ...member.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => output.push(`${name}: ${chunk.toString('utf8')}`));
    child.once('exit', (code, signal) => output.push(`${name} (port ${port}) exited (${signal ?? code})\n`));
    member.child = child;
    member.process.pid = child.pid!;
  };

  const launch = (name: string, dir: string, port: number, env: NodeJS.ProcessEnv, database?: string) => {
    const readyUrl = `http://127.0.0.1:${port}/${database ? 'ready' : 'health'}`;
    const member: Member = { process: { name, pid: 0, port, ...(database && { database }) }, dir, env: { ...env, PORT: String(port) }, readyUrl };
    members.set(name, member);
    spawnMember(member);
    return member;
  };
  const launchService = (name: string, service: StackService, port: number, groupSuffix: string) => {
    const database = `${run}_${name}`;
    return launch(name, `services/${service}`, port, { MONGODB_DB: database, KAFKA_GROUP_SUFFIX: groupSuffix, KAFKA_CONSUMER_START: 'latest' }, database);
  };

  // Each probe with its own timeout: a request left hanging must not outlast the wait around it.
  const probe = (url: string) => fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
  const answersOk = async (url: string) => (await probe(url))?.ok === true;
  // A subgraph's readiness is its store only; tests also need its consumers joined (the broker `ok` on /health).
  const brokerOk = async (url: string) =>
    ((await (await probe(url))?.json().catch(() => undefined)) as { broker?: string } | undefined)?.broker === 'ok';
  const isReady = async (url: string) =>
    url.endsWith('/ready') ? (await answersOk(url)) && (await brokerOk(url.replace(/\/ready$/, '/health'))) : answersOk(url);
  /** Waits until every one of `list` answers ready; one that dies meanwhile fails the wait at once. */
  const waitReady = async (list: Member[], what: string) => {
    let onExit: (() => void) | undefined;
    const died = new Promise<never>((_resolve, reject) => {
      onExit = () => reject(new Error(`${list.find((member) => member.child?.exitCode !== null || member.child?.signalCode !== null)?.process.name} exited while starting`));
      for (const member of list) member.child?.once('exit', onExit);
    });
    try {
      await Promise.race([
        died,
        waitFor(async () => (await Promise.all(list.map((member) => isReady(member.readyUrl)))).every(Boolean), { timeoutMs: 60_000, intervalMs: 200, what }),
      ]);
    } finally {
      for (const member of list) member.child?.off('exit', onExit!);
    }
  };
  const memberOf = (name: string) => {
    const member = members.get(name);
    if (!member) throw new Error(`no process named ${name} in the stack`);
    return member;
  };
  const isRunning = (name: string) => {
    const child = memberOf(name).child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  const kill = (name: string, signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<void>((done) => {
      const child = memberOf(name).child;
      if (!child || !isRunning(name)) return done();
      child.once('exit', () => done());
      child.kill(signal);
    });

  stackServices.forEach((name) => launchService(name, name, ports[name]!, `.${run}`));
  launch('gateway', 'gateway', gatewayPort, {
    ...Object.fromEntries(stackServices.map((name) => [`SUBGRAPH_${name.toUpperCase()}_URL`, `http://127.0.0.1:${ports[name]}/graphql`])),
  });

  const stop = async () => {
    await Promise.all([...members.keys()].map((name) => kill(name)));
    const databases = [...members.values()].flatMap((member) => member.process.database ?? []);
    await mongoose.connect(options.env?.MONGODB_URL ?? process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017');
    for (const db of databases) await mongoose.connection.useDb(db).dropDatabase();
    await mongoose.disconnect();
  };

  try {
    await waitReady([...members.values()], 'the four subgraphs and the gateway to be ready');
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output.join('')}`);
  }
  const processes = [...members.values()].map((member) => member.process);
  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}/graphql`,
    subgraphUrls: Object.fromEntries(stackServices.map((name) => [name, `http://127.0.0.1:${ports[name]}/graphql`])),
    processes,
    databases: stackServices.map((name) => `${run}_${name}`),
    groupSuffix: `.${run}`,
    output,
    kill,
    isRunning,
    async restart(name, { wait = true } = {}) {
      const member = memberOf(name);
      if (isRunning(name)) throw new Error(`${name} still runs: kill it first`);
      spawnMember(member);
      if (wait) await waitReady([member], `${name} to be ready again`);
    },
    ready: (name) => waitReady([memberOf(name)], `${name} to be ready`),
    async addService(name, service) {
      if (members.has(name)) throw new Error(`the stack has a process named ${name} already`);
      const member = launchService(name, service, await freePort(), `.${run}.${name}`);
      processes.push(member.process);
      await waitReady([member], `${name} (${service}) to be ready`);
      return member.process;
    },
    stop,
  };
}

/**
 * The stack of a test file: started before its first test (two minutes at most) and stopped after
 * its last. What it returns stands for the running stack inside tests (`stack.gatewayUrl`, ...).
 * Without options, the run's shared stack when its global setup started one (shared-stack.ts).
 */
export function useStack(options: StackOptions = {}): Stack {
  const shared = Object.keys(options).length === 0 ? sharedStack() : undefined;
  if (shared) return shared;
  let running: Stack | undefined;
  beforeAll(async () => {
    running = await startStack(options);
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
  }, 120_000);
  return new Proxy({} as Stack, {
    get(_target, property) {
      if (!running) throw new Error('the stack runs only inside tests (useStack starts it in beforeAll)');
      return Reflect.get(running, property);
    },
  });
}
