import type { Identity } from '@crm/auth';
import { CompanyCreated, createEvent } from '@crm/events';
import { toMessage } from '@crm/messaging';
import { dataOf, subgraphRequest, testKafka, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { KnownCompanyModel } from '../src/modules/company/known-company.model';

const kafka = testKafka();
const producer = kafka.producer();
let connected: Promise<void> | undefined;

/** Publishes a real CompanyCreated event, as the contacts service would, and waits until deals knows the company. */
export async function publishCompany(identity: Identity, name = 'Acme'): Promise<string> {
  const companyId = new Types.ObjectId().toString();
  connected ??= producer.connect();
  await connected;
  const event = createEvent(CompanyCreated, { tenantId: identity.tenantId, aggregateId: companyId }, { companyId, name });
  await producer.send({ topic: CompanyCreated.topic, messages: [toMessage(event)] });
  await waitFor(() => KnownCompanyModel.exists({ _id: companyId, tenantId: identity.tenantId }), { what: `company ${name} to reach deals` });
  return companyId;
}

export const closeFixtures = async () => {
  if (connected) await producer.disconnect();
};

export const CREATE_PIPELINE = `mutation ($input: CreatePipelineInput!) {
  createPipeline(input: $input) { id name stages { id name position probability } }
}`;

export async function createPipeline(url: string, identity: Identity, stages = ['Lead', 'Meeting', 'Proposal', 'Won']) {
  const input = { name: `Sales ${new Types.ObjectId()}`, stages: stages.map((name, i) => ({ name, probability: (i + 1) / stages.length })) };
  return dataOf(await subgraphRequest(url, identity, CREATE_PIPELINE, { input })).createPipeline as {
    id: string;
    stages: { id: string; name: string; position: number }[];
  };
}
