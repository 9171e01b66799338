import type { Identity } from '@crm/auth';
import { ErrorCode } from '@crm/service-kit';
import { GraphQLError } from 'graphql';
import { buildAccess, type Access } from './access';
import { cachedAccess } from './access-cache';
import type { PermissionAction, PermissionObject, Right, RolePermissions } from './model';
import { PolicyRoleModel, PolicyTeamModel, PolicyUserModel, policyKey, type PolicyRoleDoc, type PolicyTeamDoc, type PolicyUserDoc } from './read-models';

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

/**
 * A user the directory deactivated may do nothing: FORBIDDEN, as a request without the right is,
 * and for the whole request (HTTP 403, so it also refuses from a context that loads the access first).
 */
const deactivated = () => new GraphQLError('your user is deactivated', { extensions: { code: ErrorCode.FORBIDDEN, http: { status: 403 } } });

/**
 * The caller's access from the read models: four index-served reads (teams the user is in, teams
 * they lead, overrides of their roles, the user; one the directory does not know yet is active).
 */
export async function loadAccess(identity: Identity): Promise<Access> {
  const { tenantId, userId, roles } = identity;
  const [memberOf, leads, overrides, user] = await Promise.all([
    PolicyTeamModel.find({ tenantId, memberIds: userId, deleted: false }).limit(100).lean<PolicyTeamDoc[]>(),
    PolicyTeamModel.find({ tenantId, leadId: userId, deleted: false }).limit(100).lean<PolicyTeamDoc[]>(),
    loadRoleOverrides(tenantId, roles),
    PolicyUserModel.findById(policyKey(tenantId, userId), { active: 1 }).lean<Pick<PolicyUserDoc, 'active'>>(),
  ]);
  if (user?.active === false) throw deactivated();
  const teams = new Map([...memberOf, ...leads].map((team) => [team.teamId, team]));
  return buildAccess({ tenantId, userId, roles, teams: [...teams.values()], overrides });
}

/** Per request: the access is taken once, on first use (from the cache or the read models), and shared by every resolver of the request. */
export function accessOnce(identity: Identity): () => Promise<Access> {
  let pending: Promise<Access> | undefined;
  return () => (pending ??= cachedAccess(identity));
}

/**
 * A request's access, loaded before anything runs: a user the directory deactivated is refused
 * every request (FORBIDDEN), also those that check no right (their own directory entry, the
 * tenant's settings) and those gated on the token's roles alone.
 */
export async function requestAccess(identity: Identity): Promise<() => Promise<Access>> {
  const access = accessOnce(identity);
  try {
    await access();
  } catch (error) {
    // A refusal is answered here. A store that cannot answer (restarting, too slow) is left to the
    // resolvers, which meet the same failure in `access()` or their own reads and answer it as
    // SERVICE_UNAVAILABLE or STORE_TIMEOUT: a failed context would be an INTERNAL_SERVER_ERROR.
    if (error instanceof GraphQLError) throw error;
  }
  return access;
}
