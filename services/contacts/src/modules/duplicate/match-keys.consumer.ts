import { CompaniesMerged, CompanyCreated, CompanyUpdated, ContactCreated, ContactsMerged, ContactUpdated, type Envelope } from '@crm/events';
import { on, onBatch } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import type { MatchEntity } from './match-keys';
import { syncMatchKeys } from './sync-match-keys';

/** The records an event's keys may have changed for. */
function touched(event: Envelope<any>): { entity: MatchEntity; ids: string[] } {
  const { data } = event;
  switch (event.type) {
    case CompanyCreated.type:
    case CompanyUpdated.type:
      return { entity: 'Company', ids: [data.companyId] };
    case CompaniesMerged.type:
      return { entity: 'Company', ids: [data.primaryId, ...data.mergedIds] };
    case ContactsMerged.type:
      return { entity: 'Contact', ids: [data.primaryId, ...data.mergedIds] };
    default:
      return { entity: 'Contact', ids: [data.contactId] };
  }
}

/** Every record the events name synced at once, per tenant and kind of record (a fetched batch, or one event). */
async function syncEvents(events: readonly Envelope<any>[]): Promise<void> {
  const groups = new Map<string, { tenantId: string; entity: MatchEntity; ids: string[] }>();
  for (const event of events) {
    const { entity, ids } = touched(event);
    const key = `${event.tenantId}|${entity}`;
    const group = groups.get(key) ?? groups.set(key, { tenantId: event.tenantId, entity, ids: [] }).get(key)!;
    group.ids.push(...ids);
  }
  for (const { tenantId, entity, ids } of groups.values()) await syncMatchKeys(tenantId, entity, ids);
}
const syncEvent = (_data: unknown, event: Envelope<any>) => syncEvents([event]);

/**
 * Keeps `match_keys` in step with companies and contacts, from the service's own events.
 *
 * Why events and not a mongoose hook on the models: every write of a record already carries its
 * event in the same atomic operation (the outbox), so a crash between the record and its keys
 * cannot lose a key: the event is delivered (at least once) after the crash, and the handler,
 * which recomputes the keys from the stored record, is idempotent. A hook would run after the
 * write, in the same process, and a crash in between would leave the keys stale for good; it
 * would also miss writes made with updateMany or through another model. The cost is that a
 * record is found as a duplicate a moment after its write, not at once.
 * A new deployment's group starts at the earliest offset: replaying the topics indexes the
 * records written before.
 */
export const matchKeysConsumer: ConsumerSpec = {
  groupId: 'contacts.match-keys',
  handlers: [
    on(CompanyCreated, syncEvent),
    on(CompanyUpdated, syncEvent),
    on(CompaniesMerged, syncEvent),
    on(ContactCreated, syncEvent),
    on(ContactUpdated, syncEvent),
    on(ContactsMerged, syncEvent),
  ],
  // The keys follow the stored records, whatever the events' order: a batch is synced at once.
  batch: onBatch([CompanyCreated, CompanyUpdated, CompaniesMerged, ContactCreated, ContactUpdated, ContactsMerged], syncEvents),
};
