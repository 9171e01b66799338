// The policy read models on the real store: revision-guarded teams and role overrides, and the
// access a request loads from them (the handlers run as the consumer would call them).
import { createEvent, PermissionsChanged, TeamChanged, UserChanged } from '@crm/events';
import { uniqueId } from '@crm/messaging/testing';
import mongoose from 'mongoose';
import pino from 'pino';
import { cachedAccess, can, loadAccess, permissionsHandler, policyConsumer, PolicyRoleModel, PolicyTeamModel, PolicyUserModel, rowFilter, teamHandler, userHandler } from '../src';

const tenantId = uniqueId('tenant');
const ctx = { logger: pino({ level: 'silent' }), consumer: 'policy-test' };

const teamEvent = (teamId: string, revision: number, memberIds: string[], deleted = false) =>
  createEvent(TeamChanged, { tenantId, aggregateId: teamId }, { teamId, change: 'UPDATED', name: teamId, leadId: 'hos', memberIds, territoryIds: [], industries: [], keyCompanyIds: [], revision, deleted });
const apply = (event: ReturnType<typeof teamEvent>) => teamHandler.handle(event.data, event, ctx);
const userEvent = (userId: string, revision: number, active: boolean, tenant = tenantId) =>
  createEvent(UserChanged, { tenantId: tenant, aggregateId: userId }, { userId, change: active ? 'UPDATED' : 'DEACTIVATED', name: null, email: null, roles: ['admin'], teamIds: [], languages: [], products: [], industries: [], active, revision });
const applyUser = (event: ReturnType<typeof userEvent>) => userHandler.handle(event.data, event, ctx);

beforeAll(async () => {
  await mongoose.connect(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017', { dbName: `policy_test_${uniqueId('db').slice(3)}` });
  await Promise.all([PolicyTeamModel.init(), PolicyRoleModel.init(), PolicyUserModel.init()]);
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

  it('refuses every access of a user the directory deactivated, until a newer event activates them again', async () => {
    const admin = { tenantId, userId: 'root', roles: ['admin'] };
    const other = uniqueId('tenant');
    expect(policyConsumer('test').handlers).toContain(userHandler);
    expect(can(await cachedAccess(admin), 'deal', 'read', { ownerId: 'carl' })).toBe(true);
    await applyUser(userEvent('root', 2, false));
    // This process's consumer drops the cached access at once; the token's roles do not help.
    await expect(cachedAccess(admin)).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
    await expect(loadAccess(admin)).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    // An older event (the user as added) changes nothing.
    await applyUser(userEvent('root', 0, true));
    await expect(loadAccess(admin)).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    // A user of the same id deactivated in another tenant is another user.
    await applyUser(userEvent('root', 5, false, other));
    await applyUser(userEvent('root', 3, true));
    expect(can(await cachedAccess(admin), 'deal', 'read', { ownerId: 'carl' })).toBe(true);
    await expect(loadAccess({ ...admin, tenantId: other })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  });
});
