// The history writer: field changes from the service's own update events, once each however often an event comes.
import { CompanyUpdated, ContactUpdated, createEvent } from '@crm/events';
import { createTestProducer } from '@crm/messaging/testing';
import { serviceUnderTest, testIdentity, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { FieldChangeModel } from '../src/modules/history/field-change.model';
import { startContacts } from '../src/service';

serviceUnderTest('contacts', startContacts);
const producer = createTestProducer();
afterAll(() => producer.close());

it('writes one entry per changed field, idempotently by event id, with reason and actor', async () => {
  const tenant = testIdentity();
  const companyId = new Types.ObjectId().toString();
  const contactId = new Types.ObjectId().toString();
  const updated = createEvent(
    CompanyUpdated,
    { tenantId: tenant.tenantId, aggregateId: companyId, actorId: tenant.userId, occurredAt: new Date('2026-11-02T10:00:00Z') },
    { companyId, name: 'Acme', changes: [{ field: 'industry', from: null, to: 'Retail' }, { field: 'tags', from: ['a'], to: [] }], reason: 'IMPORT' },
  );
  const moved = createEvent(ContactUpdated, { tenantId: tenant.tenantId, aggregateId: contactId, actorId: tenant.userId }, { contactId, companyId, changes: [{ field: 'companyId', from: null, to: companyId }] });
  await producer.send(updated, moved);
  await producer.send(updated); // a replay
  const marker = createEvent(CompanyUpdated, { tenantId: tenant.tenantId, aggregateId: companyId }, { companyId, name: 'Acme', changes: [{ field: 'website', from: null, to: 'acme.example' }] });
  await producer.send(marker); // after the replay on the same partition: once it is written, the replay was handled
  await waitFor(() => FieldChangeModel.exists({ _id: `${marker.id}:0`, tenantId: tenant.tenantId }), { what: 'the marker change' });

  const rows = await FieldChangeModel.find({ tenantId: tenant.tenantId, entity: 'Company', entityId: companyId }).sort({ at: -1 }).lean();
  expect(rows.filter((row) => row._id.startsWith(updated.id)).map(({ _id, field, from, to, actorId, reason, at }) => ({ _id, field, from, to, actorId, reason, at }))).toEqual([
    { _id: `${updated.id}:0`, field: 'industry', from: null, to: 'Retail', actorId: tenant.userId, reason: 'IMPORT', at: new Date('2026-11-02T10:00:00Z') },
    { _id: `${updated.id}:1`, field: 'tags', from: ['a'], to: [], actorId: tenant.userId, reason: 'IMPORT', at: new Date('2026-11-02T10:00:00Z') },
  ]);
  expect(rows.find((row) => row._id === `${marker.id}:0`)?.actorId).toBe('contacts'); // no user: the publishing service
  const contactRows = await waitFor(async () => {
    const found = await FieldChangeModel.find({ tenantId: tenant.tenantId, entity: 'Contact', entityId: contactId }).sort({ at: -1 }).lean();
    return found.length > 0 && found;
  }, { what: 'the contact change' });
  expect(contactRows.map((row) => [row.field, row.from, row.to])).toEqual([['companyId', null, companyId]]);
});
