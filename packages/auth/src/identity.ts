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
});
export type Identity = z.infer<typeof identitySchema>;

export function hasRole(identity: Identity, ...wanted: Role[]): boolean {
  return identity.roles.some((role) => wanted.includes(role));
}
