import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@crm/testing';
import mongoose from 'mongoose';

const root = resolve(__dirname, '../../../..');

export interface StoreUnderTest {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}


/** The two builds infra.sh makes: ours (patched) and the stock one, installed on first use. */
export function ferretdbBinaries(): { ours: string; stock: string } {
  const versions = spawnSync('bash', ['-c', 'source deploy/local/versions.env && echo $FERRETDB_VERSION'], { cwd: root, encoding: 'utf8' });
  const version = versions.stdout.trim();
  const bin = join(process.env.CRM_LOCAL_CACHE ?? join(homedir(), '.cache/crm-platform'), 'bin', `ferretdb-${version}`);
  for (const what of ['install', 'install-stock-ferretdb']) {
    const built = spawnSync('bash', ['deploy/local/infra.sh', what], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (built.status !== 0) throw new Error(`infra.sh ${what} failed`);
  }
  return { ours: bin, stock: `${bin}-stock` };
}

/** Starts one FerretDB on a free port with a fresh data directory under .local/bench/. */
export async function startFerretdb(name: string, binary: string, extraArgs: string[] = []): Promise<StoreUnderTest> {
  const dir = join(root, '.local/bench/store', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['-listen', `127.0.0.1:${port}`, '-data-dir', dir, '-log-level', 'error', ...extraArgs], { stdio: 'ignore' });
  const url = `mongodb://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new mongoose.mongo.MongoClient(url, { serverSelectionTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${name} FerretDB did not start: ${error}`);
      await new Promise((done) => setTimeout(done, 200));
    } finally {
      await client.close();
    }
  }
  return {
    name,
    url,
    pid: child.pid!,
    async stop() {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
