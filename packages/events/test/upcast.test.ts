import { z } from 'zod';
import { CompanyCreated, createCatalogue, createEvent, defineEvent, eventMeta, InvalidEventError, topicOwner, topics, UnsupportedVersionError } from '../src';

// Test-only later versions of CompanyCreated: v2 turns the one `domain` into a list, v3 has no upcast.
const CompanyCreatedV2 = defineEvent({
  ...CompanyCreated,
  version: 2,
  data: z.object({ companyId: z.string().min(1), name: z.string().min(1), domains: z.array(z.string()), ownerId: z.string().nullish() }),
  upcast: ({ domain, ...rest }) => ({ ...(rest as { companyId: string; name: string }), domains: typeof domain === 'string' ? [domain] : [] }),
  example: { companyId: 'c1', name: 'Acme', domains: ['acme.com'] },
});
const CompanyCreatedV3 = defineEvent({ ...CompanyCreatedV2, version: 3, upcast: undefined });
const events = createCatalogue([CompanyCreated, CompanyCreatedV2, CompanyCreatedV3]);

const v1 = createEvent(CompanyCreated, { tenantId: 't1', aggregateId: 'c1' }, { companyId: 'c1', name: 'Acme', domain: 'acme.com', ownerId: null });
const v2 = createEvent(CompanyCreatedV2, { tenantId: 't1', aggregateId: 'c1' }, { companyId: 'c1', name: 'Acme', domains: ['acme.com', 'acme.de'] });

describe('reading an event as the version a consumer handles', () => {
  it('reads its own version with its own schema', () => {
    expect(events.read(CompanyCreatedV2, v2)).toEqual({ companyId: 'c1', name: 'Acme', domains: ['acme.com', 'acme.de'] });
    expect(events.read(CompanyCreated, v1)).toEqual(v1.data);
  });

  it('upcasts an older version, validating before and after', () => {
    expect(events.read(CompanyCreatedV2, v1)).toEqual({ companyId: 'c1', name: 'Acme', domains: ['acme.com'], ownerId: null });
    expect(() => events.read(CompanyCreatedV2, { ...v1, data: { companyId: 'c1' } })).toThrow(/invalid CompanyCreated v1 data: name/);
  });

  it('turns a failing upcast into an invalid event, with the reason', () => {
    const Throwing = defineEvent({ ...CompanyCreatedV2, upcast: () => { throw new Error('no domain rule'); } });
    expect(() => createCatalogue([CompanyCreated, Throwing]).read(Throwing, v1)).toThrow(new InvalidEventError('CompanyCreated v1: upcast to v2 failed: no domain rule'));
  });

  it('refuses a newer version instead of reading it with an older schema', () => {
    expect(() => events.read(CompanyCreated, v2)).toThrow(UnsupportedVersionError);
    expect(() => events.read(CompanyCreated, v2)).toThrow('CompanyCreated v2 is newer than v1, the version read here');
  });

  it('refuses a version with no upcast on the way, and a version the catalogue does not know', () => {
    expect(() => events.read(CompanyCreatedV3, v1)).toThrow('CompanyCreated v1: no upcast from v2 to v3');
    expect(() => events.read(CompanyCreatedV2, { ...v1, version: 0 as number })).toThrow(/v0 is not in the event catalogue/);
  });

  it('checks, at the publish edge, that the type and version are catalogued and the data and source match', () => {
    expect(events.check(JSON.parse(JSON.stringify(v2)))).toEqual(v2);
    expect(() => events.check({ ...v2, version: 9 })).toThrow('CompanyCreated v9 is not in the event catalogue');
    expect(() => events.check({ ...v2, source: 'deals' })).toThrow('CompanyCreated is published by contacts, not deals');
    expect(() => events.check({ ...v2, id: 'nope' })).toThrow(InvalidEventError);
  });
});

describe('event meta and topic owners', () => {
  it('takes tenant, correlation and actor from a request, and the causation from a causing event', () => {
    expect(eventMeta({ tenantId: 't1', userId: 'u1', correlationId: 'r1' }, 'a1')).toEqual({ tenantId: 't1', aggregateId: 'a1', correlationId: 'r1', actorId: 'u1' });
    const cause = createEvent(CompanyCreated, { tenantId: 't2', aggregateId: 'c1', correlationId: 'r2', actorId: 'u2' }, { companyId: 'c1', name: 'Acme' });
    expect(eventMeta(cause, 'a2')).toEqual({ tenantId: 't2', aggregateId: 'a2', correlationId: 'r2', causationId: cause.id, actorId: 'u2' });
  });

  it('names the owner of each service topic, and none for the dead-letter topic', () => {
    expect(topicOwner(topics.deal)).toBe('deals');
    expect(topicOwner(topics.activity)).toBe('activities');
    expect(topicOwner(topics.erpOrders)).toBe('erp');
    expect(topicOwner(topics.deadLetter)).toBeUndefined();
  });
});
