import type { RunningService } from '@crm/service-kit';
import mongoose from 'mongoose';
import { missingIndexes, recordStoreQueries, scanningQueries, type AllowedScan } from './query-plans';
import { uniqueId } from './tenants';

/** Environment for a service under test: its own database, any free port, the local store and broker. */
export function testServiceEnv(service: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // A local run: the local development secrets and broker login (see @crm/auth local-dev).
    CRM_LOCAL_DEV: '1',
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    MONGODB_DB: `${service}_test_${uniqueId('db').slice(3)}`,
    KAFKA_GROUP_SUFFIX: `.${uniqueId('test')}`,
    // Start at the end of each topic: a test sees only what it produces, not every earlier run.
    KAFKA_CONSUMER_START: 'latest',
  };
}

/** Drops the test database; call before stopping the service. */
export async function dropTestDatabase(): Promise<void> {
  if (mongoose.connection.readyState === 1) await mongoose.connection.dropDatabase();
}

export interface ServiceUnderTest {
  readonly env: NodeJS.ProcessEnv;
  readonly url: string;
  readonly running: RunningService;
}

export interface ServiceUnderTestOptions {
  /** Filters that may scan a collection, each with the reason (see docs/local-infra.md). */
  allowedScans?: AllowedScan[];
  /** Wait for every consumer to join before the tests (default); false for a service started without a reachable broker. */
  waitForConsumers?: boolean;
}

/**
 * Starts a service for the test file's tests (its own database and consumer groups, every
 * consumer joined) and stops it afterwards, dropping the database. Before that, every index the
 * models declare must exist in the store, and the store explains every filter the file's tests
 * made it run: one that scans a collection fails the file.
 */
export function serviceUnderTest(
  name: string,
  start: (env: NodeJS.ProcessEnv) => Promise<RunningService>,
  options: ServiceUnderTestOptions = {},
): ServiceUnderTest {
  const env = testServiceEnv(name);
  const queries = recordStoreQueries();
  let running: RunningService | undefined;
  beforeAll(async () => {
    queries.start();
    running = await start(env);
    if (options.waitForConsumers !== false) await running.consumersJoined;
  });
  afterAll(async () => {
    queries.stop();
    try {
      const missing = running ? await missingIndexes() : [];
      if (missing.length > 0) throw new Error(`declared indexes missing in the store:\n${missing.join('\n')}`);
      const scanning = running ? await scanningQueries(queries.recorded(), options.allowedScans) : [];
      if (scanning.length > 0) throw new Error(`store queries that scan a whole collection:\n${scanning.join('\n')}`);
    } finally {
      await dropTestDatabase();
      await running?.stop();
    }
  });
  const current = () => {
    if (!running) throw new Error(`${name} is not running: use it inside tests`);
    return running;
  };
  return {
    env,
    get url() {
      return current().url;
    },
    get running() {
      return current();
    },
  };
}
