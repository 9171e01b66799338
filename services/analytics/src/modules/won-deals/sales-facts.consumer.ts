import { DealCreated, DealLost, DealReopened, DealUpdated, DealWon, type Envelope, type EventData } from '@crm/events';
import { on, onBatch } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { rememberTenant } from '../abc/abc.nightly';
import { writeFact } from '../fact-counters/counted-fact';
import { writeFactsTogether } from '../fact-counters/counted-facts.batch';
import { salesContributions } from './sales-fact';
import { SalesFactModel, type SalesFactDoc, type SalesFactState } from './sales-fact.model';

/** What a deals event sets on its deal's sales fact; `likelyNew`: the event creates the fact as a rule. */
interface SalesChange {
  dealId: string;
  change: Partial<SalesFactState>;
  likelyNew?: boolean;
}

/**
 * The event's change as a step of the deal's fact. Events of a deal arrive in order (one key,
 * one partition); an event older than the last applied one (a replay, a late redelivery)
 * changes nothing, and a repeat of the last one sets what it set before.
 */
function stepOf(event: Envelope, change: Partial<SalesFactState>) {
  const at = new Date(event.occurredAt);
  return (current: SalesFactDoc | null): SalesFactState | null => {
    if (current && new Date(current.lastEventAt) > at) return null;
    // A deal first seen without its company (its creation predates analytics) counts once an event names it.
    if (!current && (!change.companyId || !change.ownerId)) return null;
    const base: SalesFactState = current
      ? pick(current)
      : { companyId: change.companyId!, ownerId: change.ownerId!, teamId: null, createdAt: null, status: 'OPEN', wonAt: null, amount: 0, currency: 'EUR', lastEventAt: at };
    return { ...base, ...change, lastEventAt: at };
  };
}

/** Applies one deal event to the deal's sales fact. */
async function applyDealEvent(event: Envelope, { dealId, change, likelyNew = false }: SalesChange) {
  await rememberTenant(event.tenantId);
  await writeFact<SalesFactState>(SalesFactModel, event.tenantId, dealId, stepOf(event, change), salesContributions, { likelyNew });
}

const pick = ({ companyId, ownerId, teamId, createdAt, status, wonAt, amount, currency, lastEventAt }: SalesFactDoc): SalesFactState => ({
  companyId,
  ownerId,
  teamId,
  createdAt,
  status,
  wonAt,
  amount,
  currency,
  lastEventAt,
});

/** The fields of an updateDeal this fact keeps, as the event's changes carry them. */
function updatedFields(changes: { field: string; to: unknown }[]): Partial<SalesFactState> {
  const fields: Partial<SalesFactState> = {};
  for (const { field, to } of changes) {
    if (field === 'amount' && typeof to === 'number' && to >= 0) fields.amount = to;
    if (field === 'currency' && typeof to === 'string' && /^[A-Z]{3}$/.test(to)) fields.currency = to;
    if (field === 'teamId' && (typeof to === 'string' || to === null)) fields.teamId = to;
    if (field === 'companyId' && typeof to === 'string' && to.length > 0) fields.companyId = to;
  }
  return fields;
}

const created = (data: EventData<typeof DealCreated>, event: Envelope): SalesChange => ({
  dealId: data.dealId,
  change: {
    companyId: data.companyId,
    ownerId: data.ownerId,
    teamId: data.teamId ?? null,
    createdAt: new Date(event.occurredAt),
    status: data.status,
    amount: data.amount,
    currency: data.currency,
    ...(data.status === 'WON' && { wonAt: new Date(event.occurredAt) }),
  },
  likelyNew: true,
});
const won = (data: EventData<typeof DealWon>): SalesChange => ({
  dealId: data.dealId,
  change: { companyId: data.companyId, ownerId: data.ownerId, status: 'WON', wonAt: new Date(data.closedAt), amount: data.amount, currency: data.currency },
});
const lost = (data: EventData<typeof DealLost>): SalesChange => ({
  dealId: data.dealId,
  change: { companyId: data.companyId, ownerId: data.ownerId, status: 'LOST', wonAt: null, amount: data.amount, currency: data.currency },
});
const reopened = (data: EventData<typeof DealReopened>): SalesChange => ({ dealId: data.dealId, change: { ownerId: data.ownerId, status: 'OPEN', wonAt: null } });
const updated = (data: EventData<typeof DealUpdated>): SalesChange => ({ dealId: data.dealId, change: { ownerId: data.ownerId, ...updatedFields(data.changes) } });

const salesTypes = [DealCreated, DealWon, DealLost, DealReopened, DealUpdated] as const;

/** Each type's change, for a batch's events (each read at its handler's version). */
const changeByType: Record<string, (data: any, event: Envelope) => SalesChange> = { [DealCreated.type]: created, [DealWon.type]: won, [DealLost.type]: lost, [DealReopened.type]: reopened, [DealUpdated.type]: updated };
const changeOf = (event: Envelope<any>): SalesChange => changeByType[event.type]!(event.data, event);

export const salesFactsConsumer: ConsumerSpec = {
  groupId: 'analytics.sales-facts',
  // Its facts and counters are exact under concurrent writers (compare-and-set, tokens): several records at once.
  parallelKeys: 8,
  // The same claims and tokens make an event that comes again change nothing: no look-up of processed records first.
  idempotent: true,
  handlers: [
    on(DealCreated, (data, event) => applyDealEvent(event, created(data, event))),
    on(DealWon, (data, event) => applyDealEvent(event, won(data))),
    on(DealLost, (data, event) => applyDealEvent(event, lost(data))),
    on(DealReopened, (data, event) => applyDealEvent(event, reopened(data))),
    on(DealUpdated, (data, event) => applyDealEvent(event, updated(data))),
  ],
  // A fetched batch at once: each deal's events folded, a few store commands for all (counted-facts.batch.ts).
  batch: onBatch(salesTypes, async (events) => {
    for (const tenantId of new Set(events.map((event) => event.tenantId))) await rememberTenant(tenantId);
    const changes = events.map((event) => {
      const { dealId, change } = changeOf(event);
      return { tenantId: event.tenantId, factId: dealId, steps: [stepOf(event, change)] };
    });
    await writeFactsTogether<SalesFactState>(SalesFactModel, changes, salesContributions);
  }),
};
