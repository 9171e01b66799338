import { PermissionsChanged, TeamChanged } from '@crm/events';
import { isDuplicateKey, on } from '@crm/messaging';
import { forgetTenantAccess } from './access-cache';
import { PolicyRoleModel, PolicyTeamModel, policyKey } from './read-models';

/**
 * Writes a document only over an older revision; a newer one already there makes the upsert a
 * duplicate key (no change). Either way the tenant's cached access goes: the next request reads it.
 */
async function keepNewest(tenantId: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  } finally {
    forgetTenantAccess(tenantId);
  }
}

export const teamHandler = on(TeamChanged, ({ teamId, leadId, memberIds, revision, deleted }, event) =>
  keepNewest(event.tenantId, () =>
    PolicyTeamModel.updateOne(
      { _id: policyKey(event.tenantId, teamId), revision: { $lt: revision } },
      { $set: { tenantId: event.tenantId, teamId, leadId, memberIds: deleted ? [] : memberIds, revision, deleted } },
      { upsert: true },
    ),
  ),
);

export const permissionsHandler = on(PermissionsChanged, ({ role, rights, deniedFields, revision }, event) =>
  keepNewest(event.tenantId, () =>
    PolicyRoleModel.updateOne(
      { _id: policyKey(event.tenantId, role), revision: { $lt: revision } },
      { $set: { tenantId: event.tenantId, role, rights, deniedFields, revision } },
      { upsert: true },
    ),
  ),
);

/**
 * The consumer every service runs (one group per service) to keep its policy read models: the
 * teams and the role overrides of every tenant. Users' roles come with their tokens, so
 * UserChanged is not needed here.
 */
export const policyConsumer = (service: string) => ({
  groupId: `${service}.policy`,
  // Revision-guarded upserts: an event that comes again changes nothing (no look-up of processed records first).
  idempotent: true,
  handlers: [teamHandler, permissionsHandler],
});
