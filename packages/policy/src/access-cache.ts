import type { Identity } from '@crm/auth';
import { LRUCache } from 'lru-cache';
import type { Access } from './access';
import { loadAccess } from './load-access';

/*
 * A caller's access, reused by this process for a short time. Loading it takes three store
 * reads (the teams the user is in, the teams they lead, the overrides of their roles), which
 * every request of every service would otherwise pay before its first decision.
 * - This process's policy consumer drops a tenant's entries as soon as it applies a change of
 *   that tenant's teams or roles (consumer.ts), so one instance sees a change at once.
 * - A change applied by another instance of the service (the group shares the partitions)
 *   reaches this one within the entry's lifetime, `POLICY_CACHE_MS` (1 s by default; 0: no cache).
 * The entry holds the load in flight, so concurrent requests of one caller share one load, and a
 * tenant dropped meanwhile is loaded anew by the next request.
 */

interface Entry {
  tenantId: string;
  access: Promise<Access>;
}

/** Callers remembered at most (least recently used go first): a few MB whatever the traffic. */
const MAX_CALLERS = 10_000;
let lifetimeMs = 1000;
const cache = new LRUCache<string, Entry>({ max: MAX_CALLERS });

/** How long a loaded access is reused (ms; 0 turns the cache off). Forgets what is cached. */
export function configureAccessCache(ms: number): void {
  lifetimeMs = ms;
  cache.clear();
}

const keyOf = ({ tenantId, userId, roles }: Identity) => JSON.stringify([tenantId, userId, [...roles].sort()]);

/** The caller's access: reused while fresh, loaded from the read models otherwise. */
export function cachedAccess(identity: Identity): Promise<Access> {
  if (lifetimeMs <= 0) return loadAccess(identity);
  const key = keyOf(identity);
  const hit = cache.get(key);
  if (hit) return hit.access;
  const entry: Entry = { tenantId: identity.tenantId, access: loadAccess(identity) };
  cache.set(key, entry, { ttl: lifetimeMs });
  // A failed load is not kept: the next request tries again.
  entry.access.catch(() => cache.peek(key) === entry && cache.delete(key));
  return entry.access;
}

/** Drops every cached access of the tenant (its teams or roles changed). */
export function forgetTenantAccess(tenantId: string): void {
  const keys = [...cache.entries()].filter(([, entry]) => entry.tenantId === tenantId).map(([key]) => key);
  for (const key of keys) cache.delete(key);
}
