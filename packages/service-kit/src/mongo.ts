import mongoose from 'mongoose';
import type { Logger } from 'pino';

/** Connects and builds every registered model's indexes (each begins with tenantId). */
export async function connectMongo(url: string, dbName: string, logger: Logger): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  await mongoose.connect(url, { dbName, serverSelectionTimeoutMS: 10_000, autoIndex: false });
  await Promise.all(Object.values(mongoose.models).map((model) => model.createIndexes()));
  logger.info({ dbName }, 'connected to MongoDB');
  return mongoose;
}

export const isMongoReady = () => mongoose.connection.readyState === 1;
