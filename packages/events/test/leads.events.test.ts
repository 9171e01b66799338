import { catalogue, createEvent, LeadAssigned } from '../src';

const assigned = (method: string, extra: object = {}) =>
  createEvent(LeadAssigned, { tenantId: 't1', aggregateId: '6660a1b28b3e4a0012a4d001' }, {
    leadId: '6660a1b28b3e4a0012a4d001',
    assigneeId: 'user-mgr-3',
    previousAssigneeId: null,
    teamId: '6660a1b28b3e4a0012a4c001',
    ruleId: null,
    method,
    reason: 'taken over during the holidays',
    acceptBy: null,
    assignedAt: '2026-11-03T10:15:00.000Z',
    ...extra,
  } as never);

describe('lead events', () => {
  it('LeadAssigned carries assignments by hand (MANUAL) and by the tenant fallback (FALLBACK) beside the routing methods and ESCALATION', () => {
    for (const method of ['ROUND_ROBIN', 'LEAST_LOADED', 'FIXED', 'ESCALATION', 'MANUAL', 'FALLBACK']) {
      expect(catalogue.check(assigned(method, { previousAssigneeId: 'user-mgr-2' })).data).toMatchObject({ method });
    }
    expect(() => assigned('BY_MAGIC')).toThrow();
  });
});
