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
