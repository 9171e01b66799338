// Instants in events from outside the CRM (ERP, leads) stay within the years 1800 to 2999, the
// window of the API's date inputs: anything else is an invalid event, which a consumer parks.
import { catalogue, createEvent, ErpOrderPlaced, ErpPaymentReceived, ErpShipmentDispatched, InvalidEventError, LeadAssigned, type EventDefinition } from '../src';

/** The example event of `def` with `field` set to `value`, as a consumer reads it. */
const readWith = (def: EventDefinition, field: string, value: string) => {
  const event = createEvent(def, { tenantId: 't1', aggregateId: 'a1' }, def.example as never);
  return () => catalogue.read(def, JSON.parse(JSON.stringify({ ...event, data: { ...(event.data as Record<string, unknown>), [field]: value } })));
};

describe('instants of external events', () => {
  it.each([
    { def: ErpPaymentReceived, field: 'paidAt' },
    { def: ErpOrderPlaced, field: 'orderedAt' },
    { def: ErpShipmentDispatched, field: 'shippedAt' },
    { def: LeadAssigned, field: 'assignedAt' },
  ])('refuses $def.type with $field outside the years 1800 to 2999, and takes its edges', ({ def, field }) => {
    // The year 10000 in UTC, and the last minutes of 1799.
    expect(readWith(def, field, '9999-12-31T23:59:59-14:00')).toThrow(InvalidEventError);
    expect(readWith(def, field, '9999-12-31T23:59:59-14:00')).toThrow(new RegExp(`${field}: must lie between the years 1800 and 2999`));
    expect(readWith(def, field, '1800-01-01T00:30:00+01:00')).toThrow(InvalidEventError);
    expect(readWith(def, field, '2999-12-31T23:59:59.999Z')).not.toThrow();
    expect(readWith(def, field, '1800-01-01T00:00:00+00:00')).not.toThrow();
  });
});
