import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort, uniqueId, waitFor } from '@crm/testing';
import mongoose from 'mongoose';

const root = resolve(__dirname, '../..');
/**
 * A small young generation (2 MB semi-spaces, V8's default grows them to 16 MB and more) and no
 * --enable-source-maps (it parses every bundle's and dependency's source map at start: about
 * 100 MB of RSS per process, measured): each process idles well under 150 MB.
 */
const NODE_FLAGS = ['--max-semi-space-size=2'];
const services = ['contacts', 'deals', 'activities', 'analytics'] as const;

export interface StackProcess {
  /** contacts, deals, activities, analytics or gateway. */
  name: string;
  pid: number;
  /** The port it listens on (subgraphs: their /graphql; gateway: the one endpoint). */
  port: number;
}

export interface StackOptions {
  /** Extra node flags for every process, after the ones npm start uses (the bench tries memory flags). */
  nodeArgs?: string[];
  /** Extra environment for every process. */
  env?: NodeJS.ProcessEnv;
}

export interface Stack {
  gatewayUrl: string;
  /** Each subgraph's own URL (by name), for callers that sign the identity themselves. */
  subgraphUrls: Record<string, string>;
  /** The processes started, for their resource use (/proc/<pid>/status). */
  processes: StackProcess[];
  databases: string[];
  /** What the processes printed, for a failing test's message. */
  output: string[];
  stop(): Promise<void>;
}

/**
 * Starts the four subgraphs and the gateway as the built artifacts (`node dist/main.js`),
 * the way `npm start` and the containers run them: own databases, own consumer groups, free ports.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const run = uniqueId('e2e').replace(/-/g, '_');
  const output: string[] = [];
  const children: ChildProcess[] = [];
  const processes: StackProcess[] = [];
  // A process that dies while starting fails the start at once, with its output.
  let failStart: (error: Error) => void = () => undefined;
  const startFailed = new Promise<never>((_resolve, reject) => (failStart = reject));
  startFailed.catch(() => undefined);
  const ports = Object.fromEntries(await Promise.all(services.map(async (name) => [name, await freePort()] as const)));
  const gatewayPort = await freePort();
  const databases = services.map((name) => `${run}_${name}`);

  const launch = (name: string, dir: string, env: NodeJS.ProcessEnv) => {
    output.push(`${name} on port ${env.PORT}\n`);
    // The flags npm start and the images use (deploy/local/start.mjs, deploy/docker/service.Dockerfile).
    const child = spawn(process.execPath, [...NODE_FLAGS, '--disable-warning=TimeoutNegativeWarning', ...(options.nodeArgs ?? []), 'dist/main.js'], {
      cwd: resolve(root, dir),
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...options.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => output.push(`${name}: ${chunk.toString('utf8')}`));
    child.once('exit', (code, signal) => {
      output.push(`${name} (port ${env.PORT}) exited (${signal ?? code})\n`);
      failStart(new Error(`${name} exited (${signal ?? code}) while starting`));
    });
    children.push(child);
    processes.push({ name, pid: child.pid!, port: Number(env.PORT) });
  };

  services.forEach((name, i) =>
    launch(name, `services/${name}`, { PORT: String(ports[name]), MONGODB_DB: databases[i], KAFKA_GROUP_SUFFIX: `.${run}`, KAFKA_CONSUMER_START: 'latest' }),
  );
  launch('gateway', 'gateway', {
    PORT: String(gatewayPort),
    ...Object.fromEntries(services.map((name) => [`SUBGRAPH_${name.toUpperCase()}_URL`, `http://127.0.0.1:${ports[name]}/graphql`])),
  });

  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      ),
    );
    await mongoose.connect(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017');
    for (const db of databases) await mongoose.connection.useDb(db).dropDatabase();
    await mongoose.disconnect();
  };

  try {
    const ready = async (url: string) => (await fetch(url).catch(() => undefined))?.ok;
    const urls = [...services.map((name) => `http://127.0.0.1:${ports[name]}/ready`), `http://127.0.0.1:${gatewayPort}/health`];
    await Promise.race([
      startFailed,
      waitFor(async () => (await Promise.all(urls.map(ready))).every(Boolean), {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: 'the four subgraphs and the gateway to be ready',
      }),
    ]);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output.join('')}`);
  }
  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}/graphql`,
    subgraphUrls: Object.fromEntries(services.map((name) => [name, `http://127.0.0.1:${ports[name]}/graphql`])),
    processes,
    databases,
    output,
    stop,
  };
}
