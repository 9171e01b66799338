import { CompanyUpdated, ContactUpdated, type Envelope } from '@crm/events';
import { isDuplicateKey, on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import type { FieldChange } from '../shared/changes';
import type { mongo } from 'mongoose';
import { FieldChangeModel, type FieldChangeDoc } from './field-change.model';

/**
 * The history writer: every CompanyUpdated and ContactUpdated the service publishes becomes one
 * field_changes entry per changed field. The entry's id is `<event id>:<index>`: a replayed event
 * inserts nothing new (its duplicate keys are expected and ignored).
 */
async function record(entity: 'Company' | 'Contact', entityId: string, changes: FieldChange[], reason: string | null | undefined, event: Envelope<unknown>) {
  const rows: FieldChangeDoc[] = changes.map((change, i) => ({
    _id: `${event.id}:${i}`,
    tenantId: event.tenantId,
    entity,
    entityId,
    field: change.field,
    from: change.from ?? null,
    to: change.to ?? null,
    // A change applied from another service's event names that service (for instance analytics).
    actorId: event.actorId ?? event.source,
    reason: reason ?? null,
    at: new Date(event.occurredAt),
  }));
  try {
    // Through the driver: mongoose's casting drops a null `from`/`to` (a Mixed path), and "was empty" is part of the change.
    await (FieldChangeModel.collection as unknown as mongo.Collection<FieldChangeDoc>).insertMany(rows, { ordered: false });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

export const historyConsumer: ConsumerSpec = {
  groupId: 'contacts.history',
  handlers: [
    on(CompanyUpdated, ({ companyId, changes, reason }, event) => record('Company', companyId, changes, reason, event)),
    on(ContactUpdated, ({ contactId, changes, reason }, event) => record('Contact', contactId, changes, reason, event)),
  ],
};
