import { createEvent, DealStageChanged, CompanyCreated, InvalidEventError, messageKey, parseEvent, topics } from '../src';

const stage = (id: string, position: number) => ({ id, name: `Stage ${position}`, position });

describe('event envelope', () => {
  it('builds a complete v1 envelope keyed by the aggregate', () => {
    const event = createEvent(
      CompanyCreated,
      { tenantId: 't1', aggregateId: 'c1', correlationId: 'req-1', actorId: 'u1' },
      { companyId: 'c1', name: 'Acme' },
    );
    expect(event).toMatchObject({
      type: 'CompanyCreated',
      version: 1,
      source: 'contacts',
      tenantId: 't1',
      aggregateType: 'Company',
      aggregateId: 'c1',
      correlationId: 'req-1',
      actorId: 'u1',
      data: { companyId: 'c1', name: 'Acme' },
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(event.occurredAt).toISOString()).toBe(event.occurredAt);
    expect(CompanyCreated.topic).toBe(topics.company);
  });

  it('refuses to publish data that breaks the schema', () => {
    expect(() =>
      createEvent(CompanyCreated, { tenantId: 't1', aggregateId: 'c1' }, { companyId: 'c1', name: '' }),
    ).toThrow();
  });

  it('round-trips through JSON at the consume edge', () => {
    const event = createEvent(
      DealStageChanged,
      { tenantId: 't1', aggregateId: 'd1' },
      {
        dealId: 'd1',
        title: 'Deal',
        pipelineId: 'p1',
        ownerId: 'u1',
        movedBy: 'u1',
        fromStage: stage('s1', 0),
        toStage: stage('s2', 1),
      },
    );
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('rejects a broken envelope with the reason', () => {
    expect(() => parseEvent({ type: 'CompanyCreated' })).toThrow(InvalidEventError);
    expect(() => parseEvent('not an object')).toThrow(/invalid envelope/);
  });

  it('rejects a known event whose data breaks its schema', () => {
    const event = createEvent(CompanyCreated, { tenantId: 't1', aggregateId: 'c1' }, { companyId: 'c1', name: 'Acme' });
    expect(() => parseEvent({ ...event, data: { companyId: 'c1' } })).toThrow(/invalid CompanyCreated v1 data: name/);
  });

  it('lets an unknown event type through the envelope check for forward compatibility', () => {
    const event = createEvent(CompanyCreated, { tenantId: 't1', aggregateId: 'c1' }, { companyId: 'c1', name: 'Acme' });
    const future = { ...event, type: 'CompanyRenamed', data: { anything: true } };
    expect(parseEvent(future).type).toBe('CompanyRenamed');
  });
});

describe('message keys', () => {
  it('keys a compacted topic by tenant, aggregate type and id, so a user, a role and a team of one name keep a key each', () => {
    const key = (aggregateType: string) => messageKey(topics.directory, { tenantId: 't1', aggregateType, aggregateId: 'manager' });
    expect([key('User'), key('Role'), key('Team')]).toEqual(['t1:User:manager', 't1:Role:manager', 't1:Team:manager']);
    expect(messageKey(topics.directory, { tenantId: 't2', aggregateType: 'Role', aggregateId: 'manager' })).toBe('t2:Role:manager');
    expect(messageKey(topics.deal, { tenantId: 't1', aggregateType: 'Deal', aggregateId: 'd1' })).toBe('d1');
  });
});
