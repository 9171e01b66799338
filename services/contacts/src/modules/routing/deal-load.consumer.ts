import { DealCreated, DealLost, DealReopened, DealUpdated, DealWon, type Envelope } from '@crm/events';
import { on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { DealLoadModel } from './deal-load.model';

/**
 * Each deal's owner and openness, for LEAST_LOADED (fewest open leads and deals). A deal's events
 * come in order (keyed by the deal id), and each sets the whole state, so a repeat is harmless.
 * Approximation: a deal created before this consumer existed counts from its next event on.
 */
async function setLoad(event: Envelope<unknown>, dealId: string, ownerId: string, open?: boolean): Promise<void> {
  // An owner change (DealUpdated) keeps whether the deal is open; a deal first seen by it counts as open.
  const set = open === undefined ? { ownerId, at: new Date(event.occurredAt) } : { ownerId, open, at: new Date(event.occurredAt) };
  const onInsert = open === undefined ? { tenantId: event.tenantId, dealId, open: true } : { tenantId: event.tenantId, dealId };
  await DealLoadModel.updateOne({ _id: `${event.tenantId}:${dealId}` }, { $set: set, $setOnInsert: onInsert }, { upsert: true });
}

export const dealLoadConsumer: ConsumerSpec = {
  groupId: 'contacts.routing-deal-load',
  // Each event sets the deal's whole state: a repeat is harmless (no look-up of processed records first).
  idempotent: true,
  handlers: [
    on(DealCreated, (data, event) => setLoad(event, data.dealId, data.ownerId, data.status === 'OPEN')),
    on(DealUpdated, (data, event) => setLoad(event, data.dealId, data.ownerId)),
    on(DealWon, (data, event) => setLoad(event, data.dealId, data.ownerId, false)),
    on(DealLost, (data, event) => setLoad(event, data.dealId, data.ownerId, false)),
    on(DealReopened, (data, event) => setLoad(event, data.dealId, data.ownerId, true)),
  ],
};
