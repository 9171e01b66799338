import { DealCreated, DealLost, DealReopened, DealUpdated, DealWon, type Envelope } from '@crm/events';
import { on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { rememberTenant } from '../abc/abc.nightly';
import { writeFact } from '../fact-counters/counted-fact';
import { salesContributions } from './sales-fact';
import { SalesFactModel, type SalesFactDoc, type SalesFactState } from './sales-fact.model';

/**
 * Applies one deal event to the deal's sales fact. Events of a deal arrive in order (one key,
 * one partition); an event older than the last applied one (a replay, a late redelivery)
 * changes nothing, and a repeat of the last one sets what it set before.
 */
async function applyDealEvent(event: Envelope, dealId: string, change: Partial<SalesFactState>, likelyNew = false) {
  const at = new Date(event.occurredAt);
  await rememberTenant(event.tenantId);
  await writeFact<SalesFactState>(
    SalesFactModel,
    event.tenantId,
    dealId,
    (current: SalesFactDoc | null) => {
      if (current && new Date(current.lastEventAt) > at) return null;
      // A deal first seen without its company (its creation predates analytics) counts once an event names it.
      if (!current && (!change.companyId || !change.ownerId)) return null;
      const base: SalesFactState = current
        ? pick(current)
        : { companyId: change.companyId!, ownerId: change.ownerId!, teamId: null, createdAt: null, status: 'OPEN', wonAt: null, amount: 0, currency: 'EUR', lastEventAt: at };
      return { ...base, ...change, lastEventAt: at };
    },
    salesContributions,
    { likelyNew },
  );
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

export const salesFactsConsumer: ConsumerSpec = {
  groupId: 'analytics.sales-facts',
  // Its facts and counters are exact under concurrent writers (compare-and-set, tokens): several records at once.
  parallelKeys: 8,
  // The same claims and tokens make an event that comes again change nothing: no look-up of processed records first.
  idempotent: true,
  handlers: [
    on(DealCreated, (data, event) =>
      applyDealEvent(event, data.dealId, {
        companyId: data.companyId,
        ownerId: data.ownerId,
        teamId: data.teamId ?? null,
        createdAt: new Date(event.occurredAt),
        status: data.status,
        amount: data.amount,
        currency: data.currency,
        ...(data.status === 'WON' && { wonAt: new Date(event.occurredAt) }),
      }, true),
    ),
    on(DealWon, (data, event) =>
      applyDealEvent(event, data.dealId, { companyId: data.companyId, ownerId: data.ownerId, status: 'WON', wonAt: new Date(data.closedAt), amount: data.amount, currency: data.currency }),
    ),
    on(DealLost, (data, event) => applyDealEvent(event, data.dealId, { companyId: data.companyId, ownerId: data.ownerId, status: 'LOST', wonAt: null, amount: data.amount, currency: data.currency })),
    on(DealReopened, (data, event) => applyDealEvent(event, data.dealId, { ownerId: data.ownerId, status: 'OPEN', wonAt: null })),
    on(DealUpdated, (data, event) => applyDealEvent(event, data.dealId, { ownerId: data.ownerId, ...updatedFields(data.changes) })),
  ],
};
