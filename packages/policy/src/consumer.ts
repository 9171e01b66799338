import { PermissionsChanged, TeamChanged, UserChanged } from '@crm/events';
import { isDuplicateKey, on } from '@crm/messaging';
import { forgetTenantAccess } from './access-cache';
import { PolicyRoleModel, PolicyTeamModel, PolicyUserModel, policyKey } from './read-models';

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

/** Whether a user is active (a deactivated one may do nothing); their directory roles are not kept: roles come with the token. */
export const userHandler = on(UserChanged, ({ userId, active, revision }, event) =>
  keepNewest(event.tenantId, () =>
    PolicyUserModel.updateOne(
      { _id: policyKey(event.tenantId, userId), revision: { $lt: revision } },
      { $set: { tenantId: event.tenantId, userId, active, revision } },
      { upsert: true },
    ),
  ),
);

/**
 * The consumer every service runs (one group per service) to keep its policy read models: the
 * teams, the role overrides and the deactivated users of every tenant. Users' roles come with
 * their tokens: UserChanged is read for `active` only.
 */
export const policyConsumer = (service: string) => ({
  groupId: `${service}.policy`,
  // Revision-guarded upserts: an event that comes again changes nothing (no look-up of processed records first).
  idempotent: true,
  handlers: [teamHandler, permissionsHandler, userHandler],
});
