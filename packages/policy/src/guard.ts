import { forbidden } from '@crm/service-kit';
import { can, canAssignTo, canSeeTeam, inScope, isFieldDenied, rowFilter, scopeOf, type Access, type OwnedRecord } from './access';
import type { PermissionAction, PermissionObject } from './model';

/** What a request context offers: its access, loaded once (see accessOnce). */
export interface HasAccess {
  access: () => Promise<Access>;
}

const denial = (object: PermissionObject, action: PermissionAction) => forbidden(`you may not ${action} this ${object}`);

/** Throws FORBIDDEN unless the user may do `action` on the record. */
export async function requireCan(ctx: HasAccess, object: PermissionObject, action: PermissionAction, record: OwnedRecord = {}): Promise<Access> {
  const access = await ctx.access();
  if (!can(access, object, action, record)) throw denial(object, action);
  return access;
}

/** The row filter for a list, FORBIDDEN when the user has no such right at all. */
export async function requireRowFilter(ctx: HasAccess, object: PermissionObject, action: PermissionAction = 'read', ownerField = 'ownerId'): Promise<Record<string, unknown>> {
  const filter = rowFilter(await ctx.access(), object, action, ownerField);
  if (!filter) throw forbidden(`you may not ${action} ${object} records`);
  return filter;
}

/** Setting an owner is an assignment: the record must be in the assign scope, and so must the new owner. */
export async function requireAssign(ctx: HasAccess, object: PermissionObject, record: OwnedRecord, newOwnerId: string): Promise<void> {
  const access = await ctx.access();
  if (!can(access, object, 'assign', record) || !canAssignTo(access, object, newOwnerId)) throw forbidden(`you may not give this ${object} to ${newOwnerId}`);
}

/** A record read by id (a single read or a federation reference): null when outside the read scope. */
export async function readable<T extends OwnedRecord>(ctx: HasAccess, object: PermissionObject, record: T | null | undefined): Promise<T | null> {
  if (!record) return null;
  return can(await ctx.access(), object, 'read', record) ? record : null;
}

/** As `readable`, but FORBIDDEN for a record that exists outside the scope. */
export async function requireReadable<T extends OwnedRecord>(ctx: HasAccess, object: PermissionObject, record: T | null | undefined): Promise<T | null> {
  if (!record) return null;
  if (!can(await ctx.access(), object, 'read', record)) throw denial(object, 'read');
  return record;
}

export const hasRight = async (ctx: HasAccess, object: PermissionObject, action: PermissionAction) => scopeOf(await ctx.access(), object, action) !== undefined;

/**
 * A field resolver that answers null with a FORBIDDEN error on its path for a role denied
 * `Type.path` (the field must be nullable), and the value otherwise.
 */
export function guardField<P, R, C extends HasAccess = HasAccess>(type: string, path: string, resolve: (parent: P, ctx: C) => R) {
  return async (parent: P, _args: unknown, ctx: C): Promise<Awaited<R>> => {
    if (isFieldDenied(await ctx.access(), type, path)) throw forbidden(`you may not read ${type}.${path}`);
    return await resolve(parent, ctx);
  };
}

/**
 * Checks a change of a stored record just before its conditional write (so the record checked is
 * the one written): update on the record as it was, and assign when its owner changes.
 */
export function authorizeChange(access: Access, object: PermissionObject, before: OwnedRecord, after: OwnedRecord): void {
  if (!can(access, object, 'update', before)) throw denial(object, 'update');
  const newOwner = after.ownerId ?? null;
  if (newOwner !== (before.ownerId ?? null) && (!can(access, object, 'assign', before) || (newOwner !== null && !canAssignTo(access, object, newOwner)))) {
    throw forbidden(`you may not give this ${object} to ${newOwner ?? 'nobody'}`);
  }
}

/** A new record (valid input): create in the scope of its owner, and assign when the owner is someone else. */
export function authorizeCreate(access: Access, object: PermissionObject, ownerId: string | null | undefined): void {
  const owner = ownerId ?? access.userId;
  if (!can(access, object, 'create', { ownerId: owner })) throw denial(object, 'create');
  if (owner !== access.userId && !canAssignTo(access, object, owner)) throw forbidden(`you may not give this ${object} to ${owner}`);
}

export async function requireCreate(ctx: HasAccess, object: PermissionObject, ownerId: string | null | undefined): Promise<void> {
  authorizeCreate(await ctx.access(), object, ownerId);
}

/**
 * Figures (analytics) filtered by a team or an owner: the read right on `object` is needed at all;
 * with a TEAM or OWN scope a team filter must name a team the user leads or belongs to, and an
 * owner filter someone in their scope. Tenant-wide totals are aggregates, no records: any read right sees them.
 */
export async function requireFigures(ctx: HasAccess, object: PermissionObject, filter: { teamId?: string | null; ownerId?: string | null } = {}): Promise<void> {
  const access = await ctx.access();
  const scope = scopeOf(access, object, 'read');
  if (!scope) throw denial(object, 'read');
  if (filter.teamId && !canSeeTeam(access, object, 'read', filter.teamId)) throw forbidden(`you may not read the ${object} of team ${filter.teamId}`);
  if (filter.ownerId && !inScope(access, scope, { ownerId: filter.ownerId })) throw forbidden(`you may not read the ${object} of ${filter.ownerId}`);
}

type FieldResolver = (parent: unknown, args: unknown, ctx: HasAccess, info: unknown) => unknown;

/** Every Query field of these resolver maps needs `action` on `object` (any scope) before it runs. */
export function requireRightOnQueries<R extends { Query?: unknown }>(resolvers: R[], object: PermissionObject, action: PermissionAction = 'read'): R[] {
  return resolvers.map((map) => {
    if (!map.Query) return map;
    const query = Object.fromEntries(
      Object.entries(map.Query as Record<string, FieldResolver>).map(([field, resolve]) => [
        field,
        async (parent: unknown, args: unknown, ctx: HasAccess, info: unknown) => {
          if (!scopeOf(await ctx.access(), object, action)) throw denial(object, action);
          return resolve(parent, args, ctx, info);
        },
      ]),
    );
    return { ...map, Query: query };
  });
}
