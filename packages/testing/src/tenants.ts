import type { Identity, Role } from '@crm/auth';
import { uniqueId } from '@crm/messaging/testing';

export { uniqueId };

/** A fresh tenant per test keeps tests independent on a shared store and broker. */
export function testIdentity(tenantId = uniqueId('tenant'), roles: Role[] = ['admin'], userId = uniqueId('user')): Identity {
  return { tenantId, userId, roles };
}
