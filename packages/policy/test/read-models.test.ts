// The policy read models on the real store: revision-guarded teams and role overrides, and the
// access a request loads from them (the handlers run as the consumer would call them).
import { createEvent, PermissionsChanged, TeamChanged } from '@crm/events';
import { uniqueId } from '@crm/messaging/testing';
import mongoose from 'mongoose';
import pino from 'pino';
import { can, loadAccess, permissionsHandler, PolicyRoleModel, PolicyTeamModel, rowFilter, teamHandler } from '../src';

const tenantId = uniqueId('tenant');
const ctx = { logger: pino({ level: 'silent' }), consumer: 'policy-test' };

const teamEvent = (teamId: string, revision: number, memberIds: string[], deleted = false) =>
  createEvent(TeamChanged, { tenantId, aggregateId: teamId }, { teamId, change: 'UPDATED', name: teamId, leadId: 'hos', memberIds, territoryIds: [], industries: [], keyCompanyIds: [], revision, deleted });
const apply = (event: ReturnType<typeof teamEvent>) => teamHandler.handle(event.data, event, ctx);

beforeAll(async () => {
  await mongoose.connect(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017', { dbName: `policy_test_${uniqueId('db').slice(3)}` });
  await Promise.all([PolicyTeamModel.init(), PolicyRoleModel.init()]);
});
afterAll(async () => {
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
});

describe('policy read models', () => {
  it('keeps the newest revision of a team, whatever order the events come in, and forgets a deleted one', async () => {
    await apply(teamEvent('north', 2, ['anna', 'ben']));
    await apply(teamEvent('north', 1, []));
    await apply(teamEvent('north', 2, ['carl']));
    expect(await PolicyTeamModel.findById(`${tenantId}:north`).lean()).toMatchObject({ leadId: 'hos', memberIds: ['anna', 'ben'], revision: 2 });

    const anna = await loadAccess({ tenantId, userId: 'anna', roles: ['manager'] });
    expect(anna.teamIds).toEqual(['north']);
    expect(can(anna, 'deal', 'read', { ownerId: 'ben' })).toBe(true);
    const head = await loadAccess({ tenantId, userId: 'hos', roles: ['head_of_sales'] });
    expect(can(head, 'deal', 'update', { ownerId: 'anna' })).toBe(true);
    // Another tenant's team of the same name changes nothing here.
    const stranger = await loadAccess({ tenantId: uniqueId('tenant'), userId: 'anna', roles: ['manager'] });
    expect(stranger.teamIds).toEqual([]);

    await apply(teamEvent('north', 3, ['anna', 'ben'], true));
    expect((await loadAccess({ tenantId, userId: 'anna', roles: ['manager'] })).teamIds).toEqual([]);
  });

  it('replaces a role\'s rights with the newest PermissionsChanged only', async () => {
    const event = (revision: number, scope: 'OWN' | 'ALL') =>
      createEvent(PermissionsChanged, { tenantId, aggregateId: 'auditor' }, { role: 'auditor', rights: [{ object: 'deal', action: 'read', scope }], deniedFields: ['Deal.amount'], revision });
    for (const changed of [event(2, 'ALL'), event(1, 'OWN')]) await permissionsHandler.handle(changed.data, changed, ctx);
    const auditor = await loadAccess({ tenantId, userId: 'eve', roles: ['auditor'] });
    expect(rowFilter(auditor, 'deal', 'read')).toEqual({});
    expect(rowFilter(auditor, 'company', 'read')).toBeNull();
    expect([...auditor.deniedFields]).toEqual(['Deal.amount']);
  });
});
