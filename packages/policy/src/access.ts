import { covers, defaultPermissions, ownerlessObjects, widest, type PermissionAction, type PermissionObject, type RolePermissions, type Scope } from './model';

/** A team as the policy sees it (from TeamChanged). */
export interface TeamMembership {
  teamId: string;
  leadId: string | null;
  memberIds: string[];
}

/** Everything a decision needs about the caller, built once per request. */
export interface Access {
  tenantId: string;
  userId: string;
  roles: readonly string[];
  /** Teams the user leads or belongs to. */
  teamIds: string[];
  /** The user and everyone of those teams (leads and members): whose records a TEAM scope covers. */
  teamUserIds: string[];
  /** `object.action` → the widest scope any of the roles grants. */
  grants: ReadonlyMap<string, Scope>;
  /**
   * Fields denied by every role of the user that has some right on the field's object (a role
   * that does not deny a field grants it; a role without any right there, an unconfigured one
   * for instance, takes no part).
   */
  deniedFields: ReadonlySet<string>;
}

export interface AccessInput {
  tenantId: string;
  userId: string;
  roles: readonly string[];
  /** The tenant's teams the user leads or belongs to. */
  teams: readonly TeamMembership[];
  /** The tenant's overrides by role name; a role without one has its defaults. */
  overrides: ReadonlyMap<string, RolePermissions>;
}

const key = (object: PermissionObject, action: PermissionAction) => `${object}.${action}`;

export const effectivePermissions = (role: string, overrides: ReadonlyMap<string, RolePermissions>): RolePermissions =>
  overrides.get(role) ?? defaultPermissions(role);

/** The object a `Type.path` field belongs to (`Deal.amount`: deal). */
const objectOf = (field: string) => field.charAt(0).toLowerCase() + field.slice(1, field.indexOf('.'));

export function buildAccess({ tenantId, userId, roles, teams, overrides }: AccessInput): Access {
  const grants = new Map<string, Scope>();
  const permissions = roles.map((role) => effectivePermissions(role, overrides));
  for (const { rights } of permissions) {
    for (const right of rights) grants.set(key(right.object, right.action), widest(grants.get(key(right.object, right.action)), right.scope)!);
  }
  // A field some role denies stays denied unless a role with a right on its object does not deny it.
  const grantsField = (field: string) => permissions.some((role) => role.rights.some((right) => right.object === objectOf(field)) && !role.deniedFields.includes(field));
  const denied = new Set(permissions.flatMap((role) => role.deniedFields).filter((field) => !grantsField(field)));
  const mine = teams.filter((team) => team.leadId === userId || team.memberIds.includes(userId));
  const teamUserIds = new Set([userId]);
  for (const team of mine) {
    if (team.leadId) teamUserIds.add(team.leadId);
    for (const member of team.memberIds) teamUserIds.add(member);
  }
  return { tenantId, userId, roles, teamIds: mine.map((team) => team.teamId), teamUserIds: [...teamUserIds], grants, deniedFields: denied };
}

export const scopeOf = (access: Access, object: PermissionObject, action: PermissionAction): Scope | undefined => access.grants.get(key(object, action));

/**
 * A record as far as rights go: who owns it. (A record's own `teamId` does not widen a TEAM scope:
 * lists filter on the owner in the store, and a single read must answer as the list does.)
 */
export interface OwnedRecord {
  ownerId?: string | null;
}

/** Whether `scope` covers a record: OWN its owner, TEAM an owner in the user's teams, ALL any. */
export function inScope(access: Access, scope: Scope, record: OwnedRecord): boolean {
  if (scope === 'ALL') return true;
  const ownerId = record.ownerId ?? null;
  if (scope === 'OWN') return ownerId === access.userId;
  return ownerId !== null && access.teamUserIds.includes(ownerId);
}

/** May the user do `action` on `object` for this record (ownerless objects: whether the right is granted at all)? */
export function can(access: Access, object: PermissionObject, action: PermissionAction, record: OwnedRecord = {}): boolean {
  const scope = scopeOf(access, object, action);
  if (!scope) return false;
  if (ownerlessObjects.includes(object)) return true;
  return inScope(access, scope, record);
}

/** May the user give a record to `ownerId` (the assign right's scope decides who may receive it)? */
export const canAssignTo = (access: Access, object: PermissionObject, ownerId: string): boolean => can(access, object, 'assign', { ownerId });

/**
 * The store filter to AND into a list query, or null when the user has no such right at all.
 * `{}` for ALL; OWN and TEAM restrict the owner field (`ownerField`, default `ownerId`) with $in,
 * served by the collections' `{tenantId, ownerId}` indexes.
 */
export function rowFilter(access: Access, object: PermissionObject, action: PermissionAction = 'read', ownerField = 'ownerId'): Record<string, unknown> | null {
  const scope = scopeOf(access, object, action);
  if (!scope) return null;
  if (scope === 'ALL' || ownerlessObjects.includes(object)) return {};
  return { [ownerField]: { $in: scope === 'OWN' ? [access.userId] : access.teamUserIds } };
}

/** The fields of `type` the user may not read, as paths below it (`profile.solvency`, `amount`). */
export function deniedFields(access: Access, type: string): string[] {
  const prefix = `${type}.`;
  return [...access.deniedFields].filter((field) => field.startsWith(prefix)).map((field) => field.slice(prefix.length));
}

export const isFieldDenied = (access: Access, type: string, path: string): boolean => access.deniedFields.has(`${type}.${path}`);

/** May the user see a whole team's records (an agenda or a figure per team): ALL, or TEAM for a team they lead or belong to. */
export function canSeeTeam(access: Access, object: PermissionObject, action: PermissionAction, teamId: string): boolean {
  const scope = scopeOf(access, object, action);
  return scope === 'ALL' || (scope === 'TEAM' && access.teamIds.includes(teamId));
}
