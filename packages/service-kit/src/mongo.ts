import mongoose from 'mongoose';
import type { Logger } from 'pino';

/**
 * Connects and builds every registered model's indexes (each begins with tenantId). Every find,
 * findOne, count, findOneAndUpdate and aggregate carries `maxTimeMS: queryTimeoutMs` (mongoose's
 * global option): the store gives up on a query that runs longer (STORE_TIMEOUT to the client).
 */
export async function connectMongo(url: string, dbName: string, logger: Logger, { queryTimeoutMs = 5_000 }: { queryTimeoutMs?: number } = {}): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  mongoose.set('maxTimeMS', queryTimeoutMs);
  await mongoose.connect(url, { dbName, serverSelectionTimeoutMS: 10_000, autoIndex: false });
  await Promise.all(Object.values(mongoose.models).map((model) => model.createIndexes()));
  logger.info({ dbName }, 'connected to MongoDB');
  return mongoose;
}

export const isMongoReady = () => mongoose.connection.readyState === 1;
