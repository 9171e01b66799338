import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/**
 * The fault tests stop and restart the broker and the store: never the shared ones on 27017 and
 * 9092 (other test runs and developers use them). They run a FerretDB and a Kafka of their own,
 * through deploy/local/infra.sh with its state in .local/fault-tests (CRM_LOCAL_DIR) and ports
 * of their own.
 */
const root = resolve(__dirname, '../../..');
const script = resolve(root, 'deploy/local/infra.sh');
export const PRIVATE_INFRA_DIR = resolve(root, '.local/fault-tests');

export interface InfraPorts {
  ferretdb: number;
  kafka: number;
  kafkaController: number;
}

/** Where global-setup tells the test files about the ports (jest passes process.env on). */
const PORTS_VARIABLE = 'FAULT_TESTS_INFRA_PORTS';

/** A free port below Linux's ephemeral range, so no outgoing connection takes it while a server is down. */
async function freeFixedPort(taken: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.includes(port)) continue;
    const free = await new Promise<boolean>((done) => {
      const server = createServer()
        .once('error', () => done(false))
        .listen(port, '127.0.0.1', () => server.close(() => done(true)));
    });
    if (free) return port;
  }
  throw new Error('found no free port between 20000 and 32000');
}

export async function choosePorts(): Promise<InfraPorts> {
  const ferretdb = await freeFixedPort([]);
  const kafka = await freeFixedPort([ferretdb]);
  const kafkaController = await freeFixedPort([ferretdb, kafka]);
  return { ferretdb, kafka, kafkaController };
}

export function publishPorts(ports: InfraPorts): void {
  process.env[PORTS_VARIABLE] = JSON.stringify(ports);
  process.env.MONGODB_URL = `mongodb://127.0.0.1:${ports.ferretdb}`;
  process.env.KAFKA_BROKERS = `127.0.0.1:${ports.kafka}`;
}

export function privatePorts(): InfraPorts {
  const value = process.env[PORTS_VARIABLE];
  if (!value) throw new Error(`${PORTS_VARIABLE} is not set: the fault tests run only under their jest global setup`);
  return JSON.parse(value) as InfraPorts;
}

/**
 * Runs infra.sh on the private instance. CRM_LOCAL_DIR and the ports are always passed here, never
 * inherited: a `stop` without them would stop the checkout's shared FerretDB and Kafka.
 */
export function infra(args: string[], timeoutMs: number, ports: InfraPorts = privatePorts()): Promise<string> {
  const env = {
    ...process.env,
    CRM_LOCAL_DIR: PRIVATE_INFRA_DIR,
    FERRETDB_PORT: String(ports.ferretdb),
    KAFKA_PORT: String(ports.kafka),
    KAFKA_CONTROLLER_PORT: String(ports.kafkaController),
    // Smaller than the shared broker's: it holds a few thousand test events.
    KAFKA_HEAP_OPTS: '-Xms128m -Xmx512m',
    FERRETDB_BACKEND: 'sqlite',
    // CI runs these beside other test runs on 2 cores: a restart may come back slowly, and that is not what they test.
    INFRA_WAIT_SECONDS: '240',
  };
  return new Promise((done, fail) => {
    execFile('bash', [script, ...args], { env, timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (!error) return done(stdout + stderr);
      // infra.sh's own reason first: the one line a test summary keeps.
      const reasons = `${stdout}${stderr}`.split('\n').filter((line) => /^\[infra\] (ERROR|the last)/.test(line));
      const ended = error.killed ? `killed after ${timeoutMs / 1000} s` : `exit ${error.code}`;
      fail(new Error(`infra.sh ${args.join(' ')} failed (${ended}): ${reasons.join(' ') || 'no reason given'}\n${stdout}${stderr}`));
    });
  });
}

/** Stops the broker or the store of the private instance (SIGTERM, then KILL), as an outage. */
export const stopPart = (part: 'kafka' | 'ferretdb') => infra(['stop', part], 60_000);

/** Starts what is stopped and waits until the part stopped answers again. */
export async function startAgain(part: 'kafka' | 'ferretdb'): Promise<void> {
  await infra(['start'], 60_000);
  await infra(['wait', part], 270_000);
}
