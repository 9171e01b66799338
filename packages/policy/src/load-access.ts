import type { Identity } from '@crm/auth';
import { buildAccess, type Access } from './access';
import { cachedAccess } from './access-cache';
import type { PermissionAction, PermissionObject, Right, RolePermissions } from './model';
import { PolicyRoleModel, PolicyTeamModel, type PolicyRoleDoc, type PolicyTeamDoc } from './read-models';

/** The tenant's role overrides as the read model has them. */
export async function loadRoleOverrides(tenantId: string, roles?: readonly string[]): Promise<Map<string, RolePermissions>> {
  const docs = await PolicyRoleModel.find({ tenantId, ...(roles && { role: { $in: [...roles] } }) })
    .limit(200)
    .lean<PolicyRoleDoc[]>();
  return new Map(
    docs.map((doc) => [
      doc.role,
      { role: doc.role, rights: doc.rights.map(({ object, action, scope }) => ({ object: object as PermissionObject, action: action as PermissionAction, scope }) as Right), deniedFields: doc.deniedFields },
    ]),
  );
}

/** The caller's access from the read models: three index-served reads (teams the user is in, teams they lead, overrides of their roles). */
export async function loadAccess(identity: Identity): Promise<Access> {
  const { tenantId, userId, roles } = identity;
  const [memberOf, leads, overrides] = await Promise.all([
    PolicyTeamModel.find({ tenantId, memberIds: userId, deleted: false }).limit(100).lean<PolicyTeamDoc[]>(),
    PolicyTeamModel.find({ tenantId, leadId: userId, deleted: false }).limit(100).lean<PolicyTeamDoc[]>(),
    loadRoleOverrides(tenantId, roles),
  ]);
  const teams = new Map([...memberOf, ...leads].map((team) => [team.teamId, team]));
  return buildAccess({ tenantId, userId, roles, teams: [...teams.values()], overrides });
}

/** Per request: the access is taken once, on first use (from the cache or the read models), and shared by every resolver of the request. */
export function accessOnce(identity: Identity): () => Promise<Access> {
  let pending: Promise<Access> | undefined;
  return () => (pending ??= cachedAccess(identity));
}
