import mongoose from 'mongoose';
import type { Logger } from 'pino';
import { guardDriverSocketWrites } from './driver-socket-guard';

/**
 * Connects and builds every registered model's indexes (each begins with tenantId). Every find,
 * findOne, count, findOneAndUpdate and aggregate carries `maxTimeMS: queryTimeoutMs` (mongoose's
 * global option): the store gives up on a query that runs longer (STORE_TIMEOUT to the client).
 */
export async function connectMongo(
  url: string,
  dbName: string,
  logger: Logger,
  { queryTimeoutMs = 5_000, storeWaitMs = 4_000, connectWithinMs = 30_000 }: { queryTimeoutMs?: number; storeWaitMs?: number; connectWithinMs?: number } = {},
): Promise<typeof mongoose> {
  if (!guardDriverSocketWrites()) logger.warn('the MongoDB driver changed shape: its socket write guard is not installed');
  mongoose.set('strictQuery', true);
  mongoose.set('maxTimeMS', queryTimeoutMs);
  // While the store is unreachable an operation waits this long (for a server, or in mongoose's
  // buffer while disconnected), then fails as unavailable.
  mongoose.set('bufferTimeoutMS', storeWaitMs);
  // At start the store may come up a little later than the service: keep trying for a while.
  const deadline = Date.now() + connectWithinMs;
  for (;;) {
    try {
      await mongoose.connect(url, { dbName, serverSelectionTimeoutMS: storeWaitMs, autoIndex: false });
      break;
    } catch (error) {
      if (Date.now() + storeWaitMs > deadline) throw error;
      logger.warn({ err: error }, 'the store is not reachable yet; trying again');
    }
  }
  // The store's comings and goings, once each (operations meanwhile fail as unavailable); our
  // own close at shutdown passes through 'disconnecting' first and is not a loss.
  let closing = false;
  mongoose.connection.on('disconnecting', () => (closing = true));
  mongoose.connection.on('connected', () => (closing = false));
  mongoose.connection.on('disconnected', () => closing || logger.warn('lost the store; operations wait for it at most STORE_WAIT_MS'));
  mongoose.connection.on('reconnected', () => logger.info('the store answers again'));
  await Promise.all(Object.values(mongoose.models).map((model) => model.createIndexes()));
  logger.info({ dbName }, 'connected to MongoDB');
  return mongoose;
}

export const isMongoReady = () => mongoose.connection.readyState === 1;
