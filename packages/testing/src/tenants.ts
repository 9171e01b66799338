import { randomBytes } from 'node:crypto';
import type { Identity, Role } from '@crm/auth';

/** A fresh tenant per test keeps tests independent on a shared store and broker. */
export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

export function testIdentity(tenantId = uniqueId('tenant'), roles: Role[] = ['admin'], userId = uniqueId('user')): Identity {
  return { tenantId, userId, roles };
}
