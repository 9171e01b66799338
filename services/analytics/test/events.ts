import { createEvent, DealCreated, DealReopened, DealStageChanged, PipelineCreated, PipelineCreatedV1, PipelineUpdated, type Envelope } from '@crm/events';
import { ProcessedEventModel } from '@crm/messaging';
import { createTestProducer } from '@crm/messaging/testing';
import { waitFor } from '@crm/testing';
import { Types } from 'mongoose';

/** Test helpers: real envelopes from @crm/events, produced to the real topics as the deals service would. */

export const newId = () => new Types.ObjectId().toString();

export type StageKind = 'OPEN' | 'WON' | 'LOST' | 'POST_SALE';

export interface Stage {
  id: string;
  name: string;
  position: number;
  kind?: StageKind;
}

export const stagesOf = (...names: string[]): Stage[] => names.map((name, position) => ({ id: newId(), name, position }));

/** `name:KIND` per stage, for instance `Won:WON`; a name alone is OPEN. */
export const kindedStages = (...specs: string[]): Stage[] =>
  specs.map((spec, position) => {
    const [name, kind = 'OPEN'] = spec.split(':');
    return { id: newId(), name: name!, position, kind: kind as StageKind };
  });

/** A PipelineCreated as the deals service published it before stage kinds (v1): read through the upcast to v2. */
export const pipelineCreated = (tenantId: string, pipelineId: string, name: string, stages: Stage[]) =>
  createEvent(
    PipelineCreatedV1,
    { tenantId, aggregateId: pipelineId },
    { pipelineId, name, stages: stages.map(({ id, name: stageName, position }, i) => ({ id, name: stageName, position, probability: (i + 1) / stages.length })) },
  );

const v2Stage = (stage: Stage, i: number, all: Stage[]) => ({
  ...stage,
  kind: stage.kind ?? 'OPEN',
  probability: (i + 1) / all.length,
  task: null,
  result: null,
  keySteps: [],
  expectedDurationDays: null,
  archived: false,
});

export const pipelineCreatedV2 = (tenantId: string, pipelineId: string, name: string, stages: Stage[]) =>
  createEvent(
    PipelineCreated,
    { tenantId, aggregateId: pipelineId },
    { pipelineId, name, strictness: 'NONE', stages: stages.map(v2Stage), followUps: [], templateKey: null },
  );

export const pipelineUpdated = (tenantId: string, pipelineId: string, name: string, stages: Stage[]) =>
  createEvent(
    PipelineUpdated,
    { tenantId, aggregateId: pipelineId },
    { pipelineId, name, strictness: 'NONE', stages: stages.map(v2Stage), followUps: [], changedFields: ['stages'], deletedStageIds: [] },
  );

const dealFields = { title: 'Deal', companyId: newId(), ownerId: 'user-1' };

export const dealCreated = (tenantId: string, pipelineId: string, dealId: string, stage: Stage) =>
  createEvent(
    DealCreated,
    { tenantId, aggregateId: dealId },
    { ...dealFields, dealId, pipelineId, stage, amount: 1000, currency: 'EUR', status: 'OPEN' },
  );

export const stageChanged = (tenantId: string, pipelineId: string, dealId: string, fromStage: Stage, toStage: Stage) =>
  createEvent(DealStageChanged, { tenantId, aggregateId: dealId }, { ...dealFields, dealId, pipelineId, fromStage, toStage, movedBy: 'user-1' });

export const dealReopened = (tenantId: string, pipelineId: string, dealId: string, fromStage: Stage, toStage: Stage) =>
  createEvent(DealReopened, { tenantId, aggregateId: dealId }, { ...dealFields, dealId, pipelineId, previousStatus: 'LOST', fromStage, toStage, reopenedBy: 'user-1' });

/** One deal's whole history: created in the first stage, then moved through `path`. */
export function dealJourney(tenantId: string, pipelineId: string, stages: Stage[], path: number[], dealId = newId()): Envelope[] {
  const events: Envelope[] = [dealCreated(tenantId, pipelineId, dealId, stages[0]!)];
  let at = stages[0]!;
  for (const position of path) {
    const to = stages[position]!;
    events.push(stageChanged(tenantId, pipelineId, dealId, at, to));
    at = to;
  }
  return events;
}

/** A copy with a fresh id: what a re-publication or a replay from another source looks like. */
export const republished = (event: Envelope): Envelope => ({ ...event, id: crypto.randomUUID() });

/** Events go to their type's topic keyed by aggregate id: within a topic the order is kept, so each deal's events stay in order. */
export async function connectProducer() {
  const producer = createTestProducer();
  return {
    send: (...events: Envelope[]) => producer.send(...events),
    sendRaw: (topic: string, key: string, value: string) => producer.sendRaw(topic, { key, value }),
    close: () => producer.close(),
  };
}

/**
 * Waits (bounded) until the consumer group (analytics.funnel + the test's suffix) has recorded
 * every event as processed: the funnel is then final. Looks the records up by key.
 */
export async function waitProcessed(events: Envelope[], env: NodeJS.ProcessEnv): Promise<void> {
  const ids = [...new Set(events.map((event) => `analytics.funnel${env.KAFKA_GROUP_SUFFIX ?? ''}:${event.id}`))];
  await waitFor(async () => (await ProcessedEventModel.countDocuments({ _id: { $in: ids } })) === ids.length, {
    what: `${ids.length} events to be processed`,
  });
}
