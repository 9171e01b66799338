import { CompanyCreated, createEvent } from '@crm/events';
import { uniqueId } from '@crm/testing';
import mongoose, { Schema } from 'mongoose';
import { outboxPlugin, type HasOutbox } from '../src';

/** A throwaway aggregate with an outbox, in a database of this test file's own. */
export interface TestAggregate extends HasOutbox {
  tenantId: string;
  name?: string;
}

const schema = new Schema<TestAggregate>({ tenantId: { type: String, required: true }, name: String }, { collection: 'aggregates' });
schema.plugin(outboxPlugin);
export const AggregateModel = mongoose.model<TestAggregate>('OutboxTestAggregate', schema);

export async function connectTestDb(): Promise<void> {
  await mongoose.connect(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017', { dbName: `messaging_test_${uniqueId('db').slice(3)}` });
}

export async function dropTestDb(): Promise<void> {
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
}

export const companyCreated = (tenantId: string, name = 'Acme') => {
  const companyId = new mongoose.Types.ObjectId().toString();
  return createEvent(CompanyCreated, { tenantId, aggregateId: companyId }, { companyId, name });
};
