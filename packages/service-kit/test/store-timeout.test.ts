// maxTimeMS on every store query, on the real store (FerretDB locally): a query over the limit
// is stopped by the store and answered as STORE_TIMEOUT, without detail.
import { GraphQLError } from 'graphql';
import mongoose, { Schema } from 'mongoose';
import pino from 'pino';
import { connectMongo, createErrorFormatter } from '../src';

const logger = pino({ level: 'silent' });
const Row = mongoose.model('StoreTimeoutRow', new Schema({ tenantId: String, n: Number }, { collection: 'rows' }));

beforeAll(async () => {
  await connectMongo(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017', `service_kit_store_timeout_${process.pid}`, logger, { queryTimeoutMs: 1 });
  await Row.insertMany(Array.from({ length: 5_000 }, (_, n) => ({ tenantId: 't', n })));
});

afterAll(async () => {
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
  mongoose.set('maxTimeMS', undefined);
});

describe('the store query timeout', () => {
  it('stops a query that runs longer; the error reaches the client as STORE_TIMEOUT', async () => {
    // Neither query sets maxTimeMS itself: connectMongo's 1 ms applies. Sorting or summing
    // 5,000 documents takes the store well over that.
    const failure = await Row.find({ tenantId: 't' }).sort({ n: -1 }).lean().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ codeName: 'MaxTimeMSExpired' });
    const aggregateFailure = await Row.aggregate([{ $match: { tenantId: 't' } }, { $group: { _id: '$tenantId', total: { $sum: '$n' } } }]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(aggregateFailure).toMatchObject({ codeName: 'MaxTimeMSExpired' });

    const format = createErrorFormatter(logger);
    const error = new GraphQLError('operation exceeded time limit', { path: ['deals'], originalError: failure as Error });
    expect(format({ message: error.message, path: ['deals'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error)).toEqual({
      message: 'The store did not answer in time',
      path: ['deals'],
      extensions: { code: 'STORE_TIMEOUT' },
    });
  });

  it('lets a query within the limit through', async () => {
    expect(await Row.findOne({ tenantId: 't', n: 1 }).maxTimeMS(5_000).lean()).toMatchObject({ n: 1 });
  });
});
