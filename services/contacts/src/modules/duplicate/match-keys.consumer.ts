import { CompaniesMerged, CompanyCreated, CompanyUpdated, ContactCreated, ContactsMerged, ContactUpdated } from '@crm/events';
import { on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { syncMatchKeys } from './sync-match-keys';

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
    on(CompanyCreated, (data, event) => syncMatchKeys(event.tenantId, 'Company', data.companyId)),
    on(CompanyUpdated, (data, event) => syncMatchKeys(event.tenantId, 'Company', data.companyId)),
    on(CompaniesMerged, async (data, event) => {
      for (const id of [data.primaryId, ...data.mergedIds]) await syncMatchKeys(event.tenantId, 'Company', id);
    }),
    on(ContactCreated, (data, event) => syncMatchKeys(event.tenantId, 'Contact', data.contactId)),
    on(ContactUpdated, (data, event) => syncMatchKeys(event.tenantId, 'Contact', data.contactId)),
    on(ContactsMerged, async (data, event) => {
      for (const id of [data.primaryId, ...data.mergedIds]) await syncMatchKeys(event.tenantId, 'Contact', id);
    }),
  ],
};
