import { createEvent, DealCreated, DealLost, DealReopened, DealStageChanged, DealUpdated, DealWon, PipelineCreated, type Envelope } from '@crm/events';
import { ProcessedEventModel } from '@crm/messaging';
import { waitFor } from '@crm/testing';
import { newId, type Stage } from './events';

/**
 * Deal histories with explicit times, as the deals service publishes them (a stage change into a
 * WON or LOST stage followed by DealWon or DealLost at the same instant).
 */

export interface PipelineSpec {
  name: string;
  kind?: 'OPEN' | 'WON' | 'LOST' | 'POST_SALE';
  probability?: number;
  expectedDurationDays?: number | null;
}

export type KindedStage = Stage & { kind: 'OPEN' | 'WON' | 'LOST' | 'POST_SALE'; probability: number; expectedDurationDays: number | null };

export function pipelineWith(tenantId: string, specs: PipelineSpec[], pipelineId = newId()) {
  const stages: KindedStage[] = specs.map((spec, position) => ({
    id: newId(),
    name: spec.name,
    position,
    kind: spec.kind ?? 'OPEN',
    probability: spec.probability ?? 0.5,
    expectedDurationDays: spec.expectedDurationDays ?? null,
  }));
  const event = createEvent(
    PipelineCreated,
    { tenantId, aggregateId: pipelineId },
    {
      pipelineId,
      name: 'Analytics',
      strictness: 'NONE',
      stages: stages.map((stage) => ({ ...stage, task: null, result: null, keySteps: [], archived: false })),
      followUps: [],
      templateKey: null,
    },
  );
  return { pipelineId, stages, event };
}

export interface DealSpec {
  ownerId?: string;
  teamId?: string | null;
  territoryId?: string | null;
  source?: string | null;
  companyId?: string;
  amount?: number;
  currency?: string;
  expectedCloseDate?: string | null;
  /** Line items the deal is created with (DealCreated's lineItems). */
  lineItems?: { product: string; quantity: number; unitPrice: number; discountPercent?: number }[];
  createdAt: string;
}

/** Builds one deal's events step by step, each at the given time. */
export function dealStory(tenantId: string, pipelineId: string, stages: KindedStage[], spec: DealSpec, dealId = newId()) {
  const deal = { dealId, title: 'Analytics deal', pipelineId, ownerId: spec.ownerId ?? 'user-anna' };
  const money = { amount: spec.amount ?? 1000, currency: spec.currency ?? 'EUR' };
  const companyId = spec.companyId ?? newId();
  const meta = (at: string) => ({ tenantId, aggregateId: dealId, occurredAt: new Date(at) });
  let current = stages[0]!;
  const events: Envelope[] = [
    createEvent(DealCreated, meta(spec.createdAt), {
      ...deal,
      stage: current,
      companyId,
      ...money,
      status: 'OPEN',
      teamId: spec.teamId ?? null,
      territoryId: spec.territoryId ?? null,
      source: spec.source ?? null,
      expectedCloseDate: spec.expectedCloseDate ?? null,
      ...(spec.lineItems && { lineItems: spec.lineItems }),
    }),
  ];
  const ref = (stage: KindedStage) => ({ id: stage.id, name: stage.name, position: stage.position, kind: stage.kind });
  const story = {
    dealId,
    events,
    move(position: number, at: string, lostReason = 'Price') {
      const to = stages[position]!;
      events.push(createEvent(DealStageChanged, meta(at), { ...deal, fromStage: ref(current), toStage: ref(to), movedBy: deal.ownerId }));
      if (to.kind === 'WON') events.push(createEvent(DealWon, meta(at), { ...deal, companyId, ...money, stage: ref(to), closedAt: at, wonBy: deal.ownerId }));
      if (to.kind === 'LOST') events.push(createEvent(DealLost, meta(at), { ...deal, companyId, ...money, stage: ref(to), closedAt: at, lostReason, lostBy: deal.ownerId }));
      current = to;
      return story;
    },
    reopen(position: number, at: string) {
      const to = stages[position]!;
      events.push(createEvent(DealReopened, meta(at), { ...deal, previousStatus: current.kind === 'WON' ? 'WON' : 'LOST', fromStage: ref(current), toStage: ref(to), reopenedBy: deal.ownerId }));
      current = to;
      return story;
    },
    update(at: string, changes: { field: string; from: unknown; to: unknown }[]) {
      events.push(createEvent(DealUpdated, meta(at), { ...deal, changes, updatedBy: deal.ownerId }));
      return story;
    },
  };
  return story;
}

/** Waits (bounded) until a consumer group of the service has processed every event. */
export async function waitProcessedBy(group: string, events: Envelope[], env: NodeJS.ProcessEnv): Promise<void> {
  const ids = [...new Set(events.map((event) => `${group}${env.KAFKA_GROUP_SUFFIX ?? ''}:${event.id}`))];
  await waitFor(async () => (await ProcessedEventModel.countDocuments({ _id: { $in: ids } })) === ids.length, {
    what: `${ids.length} events to be processed by ${group}`,
  });
}

/** Waits for both the funnel's and the facts' consumers. */
export const waitAnalytics = (events: Envelope[], env: NodeJS.ProcessEnv) =>
  Promise.all([waitProcessedBy('analytics.funnel', events.filter((event) => event.type.startsWith('Pipeline') || ['DealCreated', 'DealStageChanged', 'DealReopened'].includes(event.type)), env), waitProcessedBy('analytics.facts', events.filter((event) => !event.type.startsWith('Pipeline')), env)]);
