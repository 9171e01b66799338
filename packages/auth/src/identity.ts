import { z } from 'zod';

export const roles = ['admin', 'head_of_sales', 'manager'] as const;
export type Role = (typeof roles)[number];

/** The verified caller: which tenant, which user, which roles. */
export const identitySchema = z.object({
  tenantId: z.string().min(1).max(64),
  userId: z.string().min(1).max(64),
  roles: z.array(z.enum(roles)).min(1),
});
export type Identity = z.infer<typeof identitySchema>;

export function hasRole(identity: Identity, ...wanted: Role[]): boolean {
  return identity.roles.some((role) => wanted.includes(role));
}
