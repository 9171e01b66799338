import type { BaseContext } from '@crm/service-kit';
import { insertOnceWithEvents } from '@crm/messaging';
import { nameKey } from '../shared/name-key';
import { userChanged } from './user.events';
import { UserModel } from './user.model';

/** Callers remembered as known per process: a few thousand keys, oldest forgotten first. */
const KNOWN_MAX = 5000;
const known = new Map<string, true>();

function remember(key: string): void {
  known.set(key, true);
  if (known.size > KNOWN_MAX) known.delete(known.keys().next().value!);
}

/**
 * Adds a signed-in user unknown to the directory with the token's claims (id, roles, name and
 * email when the token has them), publishing UserChanged ADDED once: an insert that the unique
 * (tenantId, userId) index refuses for a known person (insertOnceWithEvents), so a known person
 * is never changed by their token and two first requests add them once. A caller already seen
 * by this process costs a map look-up; after a restart, one refused insert.
 */
export async function ensureDirectoryUser(ctx: BaseContext): Promise<void> {
  const key = `${ctx.tenantId}\u0000${ctx.userId}`;
  if (known.has(key)) return;
  const { name = null, email = null, roles } = ctx.identity;
  const user = { userId: ctx.userId, name, email, roles: [...roles], teamIds: [], languages: [], products: [], industries: [], active: true, revision: 0 };
  await insertOnceWithEvents(UserModel, { ...user, tenantId: ctx.tenantId, nameKey: nameKey(name ?? ctx.userId) }, userChanged(ctx, user, 'ADDED'));
  remember(key);
}

/** For tests: forget what this process has seen. */
export const forgetKnownUsers = () => known.clear();
