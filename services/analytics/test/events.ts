import { createEvent, DealCreated, DealStageChanged, findDefinition, PipelineCreated, type Envelope } from '@crm/events';
import { ProcessedEventModel } from '@crm/messaging';
import { testKafka, waitFor } from '@crm/testing';
import { Partitioners } from 'kafkajs';
import { Types } from 'mongoose';

/** Test helpers: real envelopes from @crm/events, produced to the real topics as the deals service would. */

export const newId = () => new Types.ObjectId().toString();

export interface Stage {
  id: string;
  name: string;
  position: number;
}

export const stagesOf = (...names: string[]): Stage[] => names.map((name, position) => ({ id: newId(), name, position }));

export const pipelineCreated = (tenantId: string, pipelineId: string, name: string, stages: Stage[]) =>
  createEvent(
    PipelineCreated,
    { tenantId, aggregateId: pipelineId },
    { pipelineId, name, stages: stages.map((stage, i) => ({ ...stage, probability: (i + 1) / stages.length })) },
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

export async function connectProducer() {
  const producer = testKafka().producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return {
    /** One batch; within a topic the order is kept, and key = aggregateId keeps each deal's events in order. */
    async send(...events: Envelope[]) {
      const byTopic = new Map<string, { key: string; value: string }[]>();
      for (const event of events) {
        const topic = findDefinition(event.type, event.version)!.topic;
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key: event.aggregateId, value: JSON.stringify(event) }]);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    },
    async sendRaw(topic: string, key: string, value: string) {
      await producer.send({ topic, acks: -1, messages: [{ key, value }] });
    },
    close: () => producer.disconnect(),
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
