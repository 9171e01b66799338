import { CompaniesMerged, CompanyAssigned, CompanyCreated, CompanyUpdated, DealCreated, DealLost, DealReopened, DealStageChanged, DealUpdated, DealWon } from '@crm/events';
import { on, onBatch } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { attributesOfChanges, recordCompany } from '../company-facts/company-fact.projection';
import { recordMerge } from '../company-merges/company-merges';
import { projectDealEvents } from './deal-fact.batch';
import { projectDealEvent } from './deal-fact.projection';
import type { DealEvent } from './deal-fact.reduce';

const infoOf = (event: { id: string; tenantId: string; occurredAt: string }) => ({ id: event.id, tenantId: event.tenantId, occurredAt: new Date(event.occurredAt) });

/** Deal facts (and the funnel-by-dimension, results and forecast counters they move), company facts and company merges. */
export const factsConsumer: ConsumerSpec = {
  groupId: 'analytics.facts',
  // Its facts and counters are exact under concurrent writers (compare-and-set, tokens): several records at once.
  parallelKeys: 8,
  // The same claims and tokens make an event that comes again change nothing: no look-up of processed records first.
  idempotent: true,
  handlers: [
    on(DealCreated, (data, event) => projectDealEvent({ type: 'DealCreated', data }, infoOf(event))),
    on(DealStageChanged, (data, event) => projectDealEvent({ type: 'DealStageChanged', data }, infoOf(event))),
    on(DealWon, (data, event) => projectDealEvent({ type: 'DealWon', data }, infoOf(event))),
    on(DealLost, (data, event) => projectDealEvent({ type: 'DealLost', data }, infoOf(event))),
    on(DealReopened, (data, event) => projectDealEvent({ type: 'DealReopened', data }, infoOf(event))),
    on(DealUpdated, (data, event) => projectDealEvent({ type: 'DealUpdated', data }, infoOf(event))),
    on(CompanyCreated, (data, event) => recordCompany(event.tenantId, data.companyId, new Date(event.occurredAt), { name: data.name, ownerId: data.ownerId ?? null })),
    on(CompanyUpdated, (data, event) => recordCompany(event.tenantId, data.companyId, new Date(event.occurredAt), attributesOfChanges(data.name, data.changes))),
    on(CompanyAssigned, (data, event) => recordCompany(event.tenantId, data.companyId, new Date(event.occurredAt), { ownerId: data.ownerId })),
    on(CompaniesMerged, (data, event) => recordMerge(event.tenantId, data.primaryId, data.mergedIds, new Date(event.occurredAt))),
  ],
  // A fetched batch of the deals topic at once: one change per deal, counters moved together.
  batch: onBatch([DealCreated, DealStageChanged, DealWon, DealLost, DealReopened, DealUpdated], (events) =>
    projectDealEvents(events.map((event) => ({ event: { type: event.type, data: event.data } as DealEvent, info: infoOf(event) }))),
  ),
};
