// The access cache on the real store: reused while fresh, dropped for a tenant when this process
// applies a change of its teams or roles, reloaded once its lifetime is over, off at 0.
import { createEvent, PermissionsChanged } from '@crm/events';
import { uniqueId } from '@crm/messaging/testing';
import mongoose from 'mongoose';
import pino from 'pino';
import { configureReadCaches } from '@crm/service-kit';
import { cachedAccess, permissionsHandler, PolicyRoleModel, PolicyTeamModel, policyKey, rowFilter, scopeOf } from '../src';

const ctx = { logger: pino({ level: 'silent' }), consumer: 'policy-cache-test' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes a role override straight into the read model, as another instance's consumer would. */
const writeOverride = (tenantId: string, role: string, scope: 'OWN' | 'ALL', revision: number) =>
  PolicyRoleModel.updateOne(
    { _id: policyKey(tenantId, role) },
    { $set: { tenantId, role, rights: [{ object: 'deal', action: 'read', scope }], deniedFields: [], revision } },
    { upsert: true },
  );
const dealScope = async (tenantId: string, roles = ['auditor']) => scopeOf(await cachedAccess({ tenantId, userId: 'eve', roles }), 'deal', 'read');

beforeAll(async () => {
  await mongoose.connect(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017', { dbName: `policy_cache_test_${uniqueId('db').slice(3)}` });
  await Promise.all([PolicyTeamModel.init(), PolicyRoleModel.init()]);
});
afterEach(() => configureReadCaches(1000));
afterAll(async () => {
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
});

describe('access cache', () => {
  it('reuses a caller\'s access while fresh and loads it again once its lifetime is over', async () => {
    // A lifetime a loaded machine cannot outrun between the load and the second read (the
    // lifetime starts with the load; the store writes between them take their time under CI).
    configureReadCaches(3_000);
    const tenantId = uniqueId('tenant');
    await writeOverride(tenantId, 'auditor', 'OWN', 1);
    expect(await dealScope(tenantId)).toBe('OWN');
    await writeOverride(tenantId, 'auditor', 'ALL', 2);
    // Changed behind the cache's back (another instance applied it): still the loaded access...
    expect(await dealScope(tenantId)).toBe('OWN');
    // ...but not for a caller with other roles, who is another entry.
    expect(await dealScope(tenantId, ['auditor', 'manager'])).toBe('ALL');
    await sleep(3_100);
    expect(await dealScope(tenantId)).toBe('ALL');
  });

  it('drops a tenant\'s entries as soon as this process applies a change of its roles, and no other tenant\'s', async () => {
    configureReadCaches(60_000);
    const [tenantId, other] = [uniqueId('tenant'), uniqueId('tenant')];
    await writeOverride(tenantId, 'auditor', 'OWN', 1);
    await writeOverride(other, 'auditor', 'OWN', 1);
    expect(await dealScope(tenantId)).toBe('OWN');
    expect(await dealScope(other)).toBe('OWN');
    await writeOverride(other, 'auditor', 'ALL', 2);
    const changed = createEvent(PermissionsChanged, { tenantId, aggregateId: 'auditor' }, { role: 'auditor', rights: [{ object: 'deal', action: 'read', scope: 'ALL' }], deniedFields: [], revision: 2 });
    await permissionsHandler.handle(changed.data, changed, ctx);
    expect(await dealScope(tenantId)).toBe('ALL');
    expect(await dealScope(other)).toBe('OWN');
    // A repeat of an older revision changes nothing in the store, and the reload shows that.
    await permissionsHandler.handle(changed.data, { ...changed, data: { ...changed.data, revision: 1, rights: [] } }, ctx);
    expect(rowFilter(await cachedAccess({ tenantId, userId: 'eve', roles: ['auditor'] }), 'deal', 'read')).toEqual({});
  });

  it('shares one load among concurrent requests of a caller, and loads every time when turned off', async () => {
    configureReadCaches(60_000);
    const tenantId = uniqueId('tenant');
    const identity = { tenantId, userId: 'eve', roles: ['manager'] };
    const [first, second] = [cachedAccess(identity), cachedAccess(identity)];
    expect(first).toBe(second);
    configureReadCaches(0);
    await writeOverride(tenantId, 'auditor', 'OWN', 1);
    expect(await dealScope(tenantId)).toBe('OWN');
    await writeOverride(tenantId, 'auditor', 'ALL', 2);
    expect(await dealScope(tenantId)).toBe('ALL');
  });
});
