/**
 * Pure rules: how one deals event changes a deal's fact. No I/O, so unit-tested on their own
 * (deal-fact.projection.ts reads and writes). A result of null means the event changes nothing:
 * a repeat, an event older than the fact, an unknown deal, a move to where the deal is.
 */
import type { DealCreated, DealLost, DealReopened, DealStageChanged, DealUpdated, DealWon, EventData } from '@crm/events';
import { spanId } from './stage-span.model';
import type { DealFactDoc, LineItemFact, SpanWrite } from './deal-fact.model';

/** The state of a fact, without the projection's bookkeeping. */
export type FactState = Omit<DealFactDoc, 'rev' | 'counted' | 'pending' | 'confirmed'>;

export type DealEvent =
  | { type: 'DealCreated'; data: EventData<typeof DealCreated> }
  | { type: 'DealStageChanged'; data: EventData<typeof DealStageChanged> }
  | { type: 'DealWon'; data: EventData<typeof DealWon> }
  | { type: 'DealLost'; data: EventData<typeof DealLost> }
  | { type: 'DealReopened'; data: EventData<typeof DealReopened> }
  | { type: 'DealUpdated'; data: EventData<typeof DealUpdated> };

export interface EventInfo {
  id: string;
  tenantId: string;
  occurredAt: Date;
}

/** What the projection looks up for the event: the company's industry. */
export interface Lookups {
  industry: string | null;
}

export interface Reduced {
  state: FactState;
  /** Stage spans to write (closed and opened by a move). */
  spans: SpanWrite[];
}

/** How many event ids of the same instant a fact remembers. */
const MAX_EVENT_IDS = 20;

type StageRef = { id: string; position: number; kind?: 'OPEN' | 'WON' | 'LOST' | 'POST_SALE' | undefined };

const dateOrNull = (value: unknown): Date | null => {
  if (typeof value !== 'string' || value === '') return null;
  const date = new Date(value.length === 10 ? `${value}T00:00:00.000Z` : value);
  return Number.isNaN(date.getTime()) ? null : date;
};
const stringOrNull = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Net amounts of line items as the deals service sends them (DealCreated's lineItems, a DealUpdated change). */
export function lineItemsOf(value: unknown): LineItemFact[] {
  if (!Array.isArray(value)) return [];
  return value.slice(0, 100).flatMap((item) => {
    const { product, quantity, unitPrice, discountPercent } = (item ?? {}) as Record<string, unknown>;
    if (typeof product !== 'string' || typeof quantity !== 'number' || typeof unitPrice !== 'number') return [];
    const discount = typeof discountPercent === 'number' ? discountPercent : 0;
    return [{ product, amount: Math.round(quantity * unitPrice * (1 - discount / 100) * 100) / 100 }];
  });
}

function moveTo(fact: FactState, stage: StageRef, at: Date): Reduced | null {
  if (stage.id === fact.stageId) return null;
  const entries = fact.stageEntries + 1;
  const spans: SpanWrite[] = [
    { _id: spanId(fact.dealId, fact.stageEntries), stageId: fact.stageId, enteredAt: fact.stageEnteredAt, leftAt: at },
    { _id: spanId(fact.dealId, entries), stageId: stage.id, enteredAt: at, leftAt: null },
  ];
  return {
    state: {
      ...fact,
      stageId: stage.id,
      stagePosition: stage.position,
      // A LOST stage is no progress: a lost deal got as far as the stage it was lost from.
      maxPosition: stage.kind === 'LOST' ? fact.maxPosition : Math.max(fact.maxPosition, stage.position),
      stageEnteredAt: at,
      stageEntries: entries,
    },
    spans,
  };
}

function applyChanges(fact: FactState, changes: EventData<typeof DealUpdated>['changes']): FactState {
  const next = { ...fact };
  for (const { field, to } of changes) {
    if (field === 'title' && typeof to === 'string') next.title = to;
    else if (field === 'amount' && typeof to === 'number') next.amount = to;
    else if (field === 'currency' && typeof to === 'string') next.currency = to;
    else if (field === 'ownerId' && typeof to === 'string') next.ownerId = to;
    else if (field === 'teamId') next.teamId = stringOrNull(to);
    else if (field === 'territoryId') next.territoryId = stringOrNull(to);
    else if (field === 'source') next.source = stringOrNull(to);
    else if (field === 'expectedCloseDate') next.expectedCloseAt = dateOrNull(to);
    else if (field === 'lineItems') {
      next.lineItems = lineItemsOf(to);
      next.products = [...new Set(next.lineItems.map((item) => item.product))];
    }
  }
  return next;
}

function created(data: EventData<typeof DealCreated>, event: EventInfo, lookups: Lookups): Reduced {
  const at = event.occurredAt;
  // Absent in DealCreated events from before they carried line items: those come with a DealUpdated.
  const lineItems = lineItemsOf(data.lineItems);
  return {
    state: {
      _id: data.dealId,
      tenantId: event.tenantId,
      dealId: data.dealId,
      pipelineId: data.pipelineId,
      title: data.title,
      companyId: data.companyId,
      ownerId: data.ownerId,
      teamId: data.teamId ?? null,
      territoryId: data.territoryId ?? null,
      source: data.source ?? null,
      industry: lookups.industry,
      products: [...new Set(lineItems.map((item) => item.product))],
      lineItems,
      amount: data.amount,
      currency: data.currency,
      createdAt: at,
      expectedCloseAt: dateOrNull(data.expectedCloseDate),
      status: data.status,
      stageId: data.stage.id,
      stagePosition: data.stage.position,
      maxPosition: data.stage.position,
      wonAt: data.status === 'WON' ? at : null,
      lostAt: data.status === 'LOST' ? at : null,
      lostReason: null,
      stageEnteredAt: at,
      stageEntries: 1,
      lastEventAt: at,
      lastEventIds: [event.id],
    },
    spans: [{ _id: spanId(data.dealId, 1), stageId: data.stage.id, enteredAt: at, leftAt: null }],
  };
}

/** The fact after the event, or null when the event changes nothing. */
export function reduceDealEvent(fact: FactState | null, event: DealEvent, info: EventInfo, lookups: Lookups): Reduced | null {
  if (!fact) return event.type === 'DealCreated' ? created(event.data, info, lookups) : null; // an unknown deal: see README
  // The ordering guard: an older event, or one applied already, changes nothing.
  const at = info.occurredAt.getTime();
  if (at < fact.lastEventAt.getTime() || fact.lastEventIds.includes(info.id)) return null;
  const reduced = changeOf(fact, event, info.occurredAt);
  if (!reduced) return null;
  const sameInstant = at === fact.lastEventAt.getTime();
  return {
    ...reduced,
    state: {
      ...reduced.state,
      industry: lookups.industry ?? reduced.state.industry,
      lastEventAt: info.occurredAt,
      lastEventIds: sameInstant ? [...fact.lastEventIds, info.id].slice(-MAX_EVENT_IDS) : [info.id],
    },
  };
}

function changeOf(fact: FactState, event: DealEvent, at: Date): Reduced | null {
  switch (event.type) {
    case 'DealCreated':
      return null; // the fact exists: a re-publication
    case 'DealStageChanged': {
      const moved = moveTo(fact, event.data.toStage, at);
      return moved && event.data.status ? { ...moved, state: { ...moved.state, status: event.data.status } } : moved;
    }
    case 'DealWon': {
      const { data } = event;
      const moved = moveTo(fact, data.stage, at) ?? { state: fact, spans: [] };
      return { ...moved, state: { ...moved.state, status: 'WON', wonAt: new Date(data.closedAt), lostAt: null, lostReason: null, amount: data.amount, currency: data.currency } };
    }
    case 'DealLost': {
      const { data } = event;
      const moved = moveTo(fact, data.stage, at) ?? { state: fact, spans: [] };
      return { ...moved, state: { ...moved.state, status: 'LOST', lostAt: new Date(data.closedAt), wonAt: null, lostReason: data.lostReason, amount: data.amount, currency: data.currency } };
    }
    case 'DealReopened': {
      const moved = moveTo(fact, event.data.toStage, at) ?? { state: fact, spans: [] };
      return { ...moved, state: { ...moved.state, status: 'OPEN', wonAt: null, lostAt: null, lostReason: null } };
    }
    case 'DealUpdated':
      return { state: applyChanges(fact, event.data.changes), spans: [] };
  }
}
