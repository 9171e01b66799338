/**
 * The permission model: for each role, rights per object and action, each with a row scope, and
 * the fields the role may not read. A tenant overrides a role's whole row set (setRolePermissions,
 * PermissionsChanged); without an override a built-in role has its defaults and any other role nothing.
 */

export const permissionObjects = ['company', 'contact', 'lead', 'deal', 'activity', 'pipeline', 'analytics'] as const;
export type PermissionObject = (typeof permissionObjects)[number];

export const permissionActions = ['read', 'create', 'update', 'delete', 'assign', 'export'] as const;
export type PermissionAction = (typeof permissionActions)[number];

/** OWN: records the user owns; TEAM: records owned by anyone of the teams they lead or belong to; ALL: the tenant's. */
export const scopes = ['OWN', 'TEAM', 'ALL'] as const;
export type Scope = (typeof scopes)[number];

export interface Right {
  object: PermissionObject;
  action: PermissionAction;
  scope: Scope;
}

export interface RolePermissions {
  role: string;
  rights: Right[];
  /** `Type.path` the role may not read, for instance `Company.profile.solvency` or `Deal.amount`. */
  deniedFields: string[];
}

export const ROLE_NAME = /^[a-z][a-z0-9_]{1,39}$/;
export const builtInRoles = ['admin', 'head_of_sales', 'manager'] as const;

/** Objects without an owner: a row scope means nothing for them, any granted right covers all of them. */
export const ownerlessObjects: readonly PermissionObject[] = ['pipeline', 'analytics'];

/** Fields a role may be denied (each nullable in its subgraph's schema). */
export const deniableFields = ['Company.profile.solvency', 'Company.potential', 'Deal.amount'] as const;

const every = (scope: Scope, objects: readonly PermissionObject[] = permissionObjects): Right[] =>
  objects.flatMap((object) => permissionActions.map((action) => ({ object, action, scope })));

const records = permissionObjects.filter((object) => !ownerlessObjects.includes(object));

/**
 * Defaults: an admin has everything; a head of sales has the records of the teams they lead or
 * belong to, designs pipelines and reads analytics; a manager has their own records, reads their
 * team's, reads pipelines and their own analytics.
 */
export function defaultPermissions(role: string): RolePermissions {
  switch (role) {
    case 'admin':
      return { role, rights: every('ALL'), deniedFields: [] };
    case 'head_of_sales':
      return {
        role,
        rights: [...every('TEAM', records), ...every('ALL', ['pipeline']), { object: 'analytics', action: 'read', scope: 'TEAM' }, { object: 'analytics', action: 'export', scope: 'TEAM' }],
        deniedFields: [],
      };
    case 'manager':
      return {
        role,
        rights: [
          ...every('OWN', records).map((right) => (right.action === 'read' ? { ...right, scope: 'TEAM' as const } : right)),
          { object: 'pipeline', action: 'read', scope: 'ALL' },
          { object: 'analytics', action: 'read', scope: 'OWN' },
        ],
        deniedFields: [],
      };
    default:
      return { role, rights: [], deniedFields: [] };
  }
}

const rank: Record<Scope, number> = { OWN: 1, TEAM: 2, ALL: 3 };
export const widest = (a: Scope | undefined, b: Scope | undefined): Scope | undefined => (!a ? b : !b ? a : rank[a] >= rank[b] ? a : b);
export const covers = (granted: Scope, wanted: Scope): boolean => rank[granted] >= rank[wanted];
