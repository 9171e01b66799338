import mongoose from 'mongoose';
import { uniqueId } from '../src/tenants';

/**
 * A database of its own on the store, straight through the driver, for the tests of the store's
 * own behaviour: connected before the file's tests, dropped after them. `maxPoolSize` 1 runs
 * every command on one connection.
 */
export function useStoreDatabase(prefix: string, maxPoolSize: number): () => mongoose.mongo.Db {
  let client: InstanceType<typeof mongoose.mongo.MongoClient>;
  let db: mongoose.mongo.Db;
  beforeAll(async () => {
    client = await mongoose.mongo.MongoClient.connect(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017', { maxPoolSize });
    db = client.db(`${prefix}_${uniqueId('db').slice(3)}`);
  });
  afterAll(async () => {
    await db.dropDatabase();
    await client.close();
  });
  return () => db;
}
