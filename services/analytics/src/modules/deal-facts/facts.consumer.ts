import { CompanyAssigned, CompanyCreated, CompanyUpdated, DealCreated, DealLost, DealReopened, DealStageChanged, DealUpdated, DealWon } from '@crm/events';
import { on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { attributesOfChanges, recordCompany } from '../company-facts/company-fact.projection';
import { projectDealEvent } from './deal-fact.projection';

const infoOf = (event: { id: string; tenantId: string; occurredAt: string }) => ({ id: event.id, tenantId: event.tenantId, occurredAt: new Date(event.occurredAt) });

/** Deal facts (and the funnel-by-dimension, results and forecast counters they move) and company facts. */
export const factsConsumer: ConsumerSpec = {
  groupId: 'analytics.facts',
  // Its facts and counters are exact under concurrent writers (compare-and-set, tokens): several records at once.
  parallelKeys: 8,
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
  ],
};
