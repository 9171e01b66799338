import { hasRole, roleNameSchema, type Identity } from '@crm/auth';
import { createEvent, eventMeta, PermissionsChanged } from '@crm/events';
import { insertWithEvents, isDuplicateKey, updateWithEvents } from '@crm/messaging';
import { builtInRoles, deniableFields, defaultPermissions, permissionActions, permissionObjects, scopes, type Right } from '@crm/policy';
import { badInput, conflict, forbidden, parseInput } from '@crm/service-kit';
import { z } from 'zod';
import type { PermissionAction, PermissionObject, Resolvers, RolePermissions } from '../../generated/graphql';
import { RolePermissionModel, rolePermissionId, type RolePermissionDoc } from './role-permission.model';

const ATTEMPTS = 5;
const MAX_ROLES = 200;
const upper = <T extends readonly string[]>(values: T) => values.map((value) => value.toUpperCase()) as [string, ...string[]];

const setInput = z.object({
  role: roleNameSchema,
  rights: z
    .array(z.object({ object: z.enum(upper(permissionObjects)), action: z.enum(upper(permissionActions)), scope: z.enum(scopes) }))
    .max(permissionObjects.length * permissionActions.length)
    .refine((rights) => new Set(rights.map((right) => `${right.object}.${right.action}`)).size === rights.length, 'each object and action may be given once'),
  deniedFields: z.array(z.enum(deniableFields)).max(deniableFields.length),
});

const isBuiltIn = (role: string) => (builtInRoles as readonly string[]).includes(role);

function view(tenantId: string, role: string, stored: RolePermissionDoc | null): RolePermissions {
  const permissions = stored ?? defaultPermissions(role);
  return {
    id: rolePermissionId(tenantId, role),
    role,
    builtIn: isBuiltIn(role),
    customized: stored !== null,
    rights: permissions.rights.map((right) => ({ object: right.object.toUpperCase() as PermissionObject, action: right.action.toUpperCase() as PermissionAction, scope: right.scope })),
    deniedFields: permissions.deniedFields,
    revision: stored?.revision ?? 0,
  };
}

/** The tenant's roles and their rights are for those who manage rights and teams (admins, heads of sales). */
const mayReadRoles = (identity: Identity) => hasRole(identity, 'admin', 'head_of_sales');

export const rolePermissionResolvers: Resolvers = {
  Query: {
    rolePermissions: async (_parent, args, ctx) => {
      const role = parseInput(z.object({ role: roleNameSchema }), args).role;
      // Anyone may read the rights of a role they hold: what a client shows them they may do.
      if (!mayReadRoles(ctx.identity) && !ctx.identity.roles.includes(role)) throw forbidden('only admins and heads of sales may read the rights of a role you do not hold');
      return view(ctx.tenantId, role, await RolePermissionModel.findOne({ _id: rolePermissionId(ctx.tenantId, role) }).lean<RolePermissionDoc>());
    },
    roles: async (_parent, _args, ctx) => {
      if (!mayReadRoles(ctx.identity)) throw forbidden("only admins and heads of sales may list the tenant's roles");
      const stored = await RolePermissionModel.find({ tenantId: ctx.tenantId }).sort({ role: 1 }).limit(MAX_ROLES).lean<RolePermissionDoc[]>();
      const byRole = new Map(stored.map((doc) => [doc.role, doc]));
      const names = [...new Set([...builtInRoles, ...byRole.keys()])].sort();
      return names.map((role) => view(ctx.tenantId, role, byRole.get(role) ?? null));
    },
  },
  Mutation: {
    setRolePermissions: async (_parent, args, ctx) => {
      if (!hasRole(ctx.identity, 'admin')) throw forbidden('only admins may set the rights of a role');
      const input = parseInput(setInput, args);
      // An admin always keeps every right, so that no tenant can lock itself out.
      if (input.role === 'admin') throw badInput('the admin role always has every right', 'role');
      const rights = input.rights.map((right) => ({ object: right.object.toLowerCase(), action: right.action.toLowerCase(), scope: right.scope }) as Right);
      const _id = rolePermissionId(ctx.tenantId, input.role);
      for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
        const before = await RolePermissionModel.findOne({ _id }).lean<RolePermissionDoc>();
        const revision = (before?.revision ?? 0) + 1;
        const event = createEvent(PermissionsChanged, eventMeta(ctx, input.role), { role: input.role, rights, deniedFields: input.deniedFields, revision });
        const fields = { rights, deniedFields: input.deniedFields, revision };
        try {
          // Conditional on the revision read: the event's revision is the document's.
          const written = before
            ? await updateWithEvents(RolePermissionModel, { _id, revision: before.revision }, { $set: fields }, event)
            : await insertWithEvents(RolePermissionModel, { _id, tenantId: ctx.tenantId, role: input.role, ...fields }, event);
          if (written) return view(ctx.tenantId, input.role, written);
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
      }
      throw conflict(`the rights of ${input.role} were changed meanwhile; try again`, {});
    },
  },
};
