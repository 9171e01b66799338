import { z } from 'zod';

/** The built-in roles; a tenant may define others (setRolePermissions), named like `^[a-z][a-z0-9_]{1,39}$`. */
export const roles = ['admin', 'head_of_sales', 'manager'] as const;
export type BuiltInRole = (typeof roles)[number];
export type Role = string;
export const roleNameSchema = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'a role is a lower-case name of 2 to 40 letters, digits or underscores');

/** The verified caller: which tenant, which user, which roles. */
export const identitySchema = z.object({
  tenantId: z.string().min(1).max(64),
  userId: z.string().min(1).max(64),
  roles: z.array(roleNameSchema).min(1).max(20),
  /** Optional profile claims (`name`, `email`): the people directory takes them on a first sign-in. */
  name: z.string().min(1).max(200).optional(),
  email: z.string().min(3).max(254).optional(),
});
export type Identity = z.infer<typeof identitySchema>;

export function hasRole(identity: Identity, ...wanted: Role[]): boolean {
  return identity.roles.some((role) => wanted.includes(role));
}

/** The identity's optional profile claims, as JWT claims (absent ones left out). */
export const profileClaims = (identity: Identity) => ({ ...(identity.name && { name: identity.name }), ...(identity.email && { email: identity.email }) });

/**
 * Profile claims from a verified token: a malformed or over-long one is dropped, not fatal, so
 * tokens of identity providers that fill them differently stay valid.
 */
export function profileFromClaims(payload: Record<string, unknown>): Pick<Identity, 'name' | 'email'> {
  const name = identitySchema.shape.name.safeParse(typeof payload.name === 'string' ? payload.name.trim() : undefined);
  const email = identitySchema.shape.email.safeParse(typeof payload.email === 'string' ? payload.email.trim().toLowerCase() : undefined);
  return { ...(name.success && name.data && { name: name.data }), ...(email.success && email.data && { email: email.data }) };
}
