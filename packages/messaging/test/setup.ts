import { CompanyCreated, catalogue, createCatalogue, createEvent, defineEvent } from '@crm/events';
import mongoose, { Schema } from 'mongoose';
import { z } from 'zod';
import { outboxPlugin, type HasOutbox } from '../src';
import { uniqueId } from '../src/testing';

/** A throwaway aggregate with an outbox, in a database of this test file's own. */
export interface TestAggregate extends HasOutbox {
  _id: mongoose.Types.ObjectId;
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

/** A test-only CompanyCreated v2 (the one `domain` becomes a list), with its upcast from v1. */
export const CompanyCreatedV2 = defineEvent({
  ...CompanyCreated,
  version: 2,
  data: z.object({ companyId: z.string().min(1), name: z.string().min(1), domains: z.array(z.string()) }),
  upcast: ({ companyId, name, domain }) => ({ companyId: String(companyId), name: String(name), domains: typeof domain === 'string' ? [domain] : [] }),
  example: { companyId: 'c1', name: 'Acme', domains: ['acme.com'] },
});

/** The platform's catalogue plus the test-only v2. */
export const catalogueWithV2 = createCatalogue([...catalogue.definitions, CompanyCreatedV2]);
