import type { Identity } from '@crm/auth';
import { CompanyCompletenessChanged, CompanyCreated, CompanyRiskFlagsChanged, createEvent } from '@crm/events';
import { createTestProducer } from '@crm/messaging/testing';
import { dataOf, subgraphRequest, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { KnownCompanyModel } from '../src/modules/company/known-company.model';

const producer = createTestProducer();

/** Publishes a real CompanyCreated event, as the contacts service would, and waits until deals knows the company. */
export async function publishCompany(identity: Identity, name = 'Acme', ownerId?: string): Promise<string> {
  const companyId = new Types.ObjectId().toString();
  const event = createEvent(CompanyCreated, { tenantId: identity.tenantId, aggregateId: companyId }, { companyId, name, ...(ownerId && { ownerId }) });
  await producer.send(event);
  await waitFor(() => KnownCompanyModel.exists({ _id: companyId, tenantId: identity.tenantId }), { what: `company ${name} to reach deals` });
  return companyId;
}

/**
 * Publishes the company's completeness and risk flags, as contacts would, and waits until deals
 * has both (events after `occurredAt` of earlier ones: each a moment later).
 */
export async function publishProfile(identity: Identity, companyId: string, percent: number, missing: string[], riskFlags: string[] = []): Promise<void> {
  const meta = { tenantId: identity.tenantId, aggregateId: companyId };
  await producer.send(
    createEvent(CompanyCompletenessChanged, meta, { companyId, percent, missing }),
    createEvent(CompanyRiskFlagsChanged, meta, { companyId, riskFlags }),
  );
  await waitFor(
    async () => {
      const known = await KnownCompanyModel.findOne({ _id: companyId, tenantId: identity.tenantId }).lean();
      return known?.completenessPercent === percent && (known.riskFlags ?? []).join() === riskFlags.join();
    },
    { what: `the profile of ${companyId} to reach deals` },
  );
}

/** A new deal, through the subgraph, for a company deals already knows. */
export async function createDeal(url: string, identity: Identity, companyId: string, pipelineId: string, title = 'Cleaning contract') {
  const input = { title, companyId, pipelineId, amount: 12000, currency: 'EUR' };
  const response = await subgraphRequest(url, identity, `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id companyVerified } }`, { input });
  return dataOf(response).createDeal as { id: string; companyVerified: boolean };
}

export const fixtureProducer = producer;
export const closeFixtures = () => producer.close();

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

export const PIPELINE_FIELDS = `id name strictness templateKey followUps { title role afterDays }
  stages { id name position probability kind task result expectedDurationDays archived keySteps { id title role } }`;

/** Creates a pipeline from a full CreatePipelineInput (a unique name is added when left out). */
export async function createPipelineFrom(url: string, identity: Identity, input: Record<string, unknown>) {
  const answer = await subgraphRequest(url, identity, `mutation ($input: CreatePipelineInput!) { createPipeline(input: $input) { ${PIPELINE_FIELDS} } }`, {
    input: { name: `Sales ${new Types.ObjectId()}`, ...input },
  });
  return dataOf(answer).createPipeline as PipelineView;
}

export interface PipelineView {
  id: string;
  name: string;
  strictness: string;
  stages: { id: string; name: string; position: number; probability: number; kind: string; task: string | null; result: string | null; expectedDurationDays: number | null; archived: boolean; keySteps: { id: string; title: string; role: string }[] }[];
}

/** A known company and a pipeline of `stages` made by a head of sales, with look-ups by stage name. */
export interface StagedPipeline {
  head: Identity;
  companyId: string;
  pipeline: PipelineView;
  stage: (name: string) => PipelineView['stages'][number];
  /** The pipeline's stages without those named (updatePipeline's input deleting them). */
  without: (...names: string[]) => { id: string; name: string; probability: number }[];
}

export async function stagedPipeline(url: string, stages: Record<string, unknown>[]): Promise<StagedPipeline> {
  const head = testIdentity(undefined, ['head_of_sales']);
  const [companyId, pipeline] = await Promise.all([publishCompany(head), createPipelineFrom(url, head, { stages })]);
  const stage = (name: string) => pipeline.stages.find((candidate) => candidate.name === name)!;
  const without = (...names: string[]) =>
    pipeline.stages.filter((candidate) => !names.includes(candidate.name)).map(({ id, name, probability }) => ({ id, name, probability }));
  return { head, companyId, pipeline, stage, without };
}

/** A pipeline with every kind of stage, and key steps and a result on the first stage. */
export const guidedStages = [
  { name: 'Lead', probability: 0.1, result: 'Need confirmed', keySteps: [{ title: 'Call the buyer', role: 'manager' }, { title: 'Check credit', role: 'accountant' }], expectedDurationDays: 5 },
  { name: 'Offer', probability: 0.5, expectedDurationDays: 10 },
  { name: 'Won', probability: 1, kind: 'WON' },
  { name: 'Delivered', probability: 1, kind: 'POST_SALE' },
  { name: 'Lost', probability: 0, kind: 'LOST' },
];
