import type { RunningService } from '@crm/service-kit';
import mongoose from 'mongoose';
import { uniqueId } from './tenants';

/** Environment for a service under test: its own database, any free port, the local store and broker. */
export function testServiceEnv(service: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
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

/**
 * Starts a service for the test file's tests (its own database and consumer groups, every
 * consumer joined) and stops it afterwards, dropping the database.
 */
export function serviceUnderTest(name: string, start: (env: NodeJS.ProcessEnv) => Promise<RunningService>): ServiceUnderTest {
  const env = testServiceEnv(name);
  let running: RunningService | undefined;
  beforeAll(async () => {
    running = await start(env);
    await running.consumersJoined;
  });
  afterAll(async () => {
    await dropTestDatabase();
    await running?.stop();
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
