import { LRUCache } from 'lru-cache';

/*
 * Data a process reads on most requests and that seldom changes (a caller's access, a tenant's
 * currency and rates, pipeline definitions), kept for a short lifetime. Whoever changes it in this process forgets it
 * at once; a change another instance writes is seen within the lifetime (`READ_CACHE_MS`, 1 s;
 * 0: no cache). An entry holds the read in flight, so concurrent requests share one read, and a
 * failed read is not kept. Values are frozen: they are shared by every request.
 */
export interface ReadCache<V> {
  /** The value of `key`: kept, or read by `load` (null: there is none). */
  get(tenantId: string, key: string, load: () => Promise<V | null>): Promise<V | null>;
  /** Several values; those not kept are read by one `loadMissing` call (absent from its map: none). */
  getMany(tenantId: string, keys: readonly string[], loadMissing: (missing: string[]) => Promise<Map<string, V>>): Promise<Map<string, V | null>>;
  /** Drops a value this process just changed. */
  forget(tenantId: string, key: string): void;
  /** Drops every value of the tenant (a change that touches all of them). */
  forgetTenant(tenantId: string): void;
}

type Entry = { value: Promise<unknown> };
const caches = new Set<LRUCache<string, Entry>>();
let lifetimeMs = 1000;

/** How long values are kept (ms; 0 turns every read cache off). Forgets what is kept. */
export function configureReadCaches(ms: number): void {
  lifetimeMs = ms;
  for (const cache of caches) cache.clear();
}

/** Plain objects and arrays, not ObjectIds, dates or buffers (which cannot, or need not, be frozen). */
const isPlain = (value: unknown): value is object =>
  value !== null && typeof value === 'object' && (Array.isArray(value) || [Object.prototype, null].includes(Object.getPrototypeOf(value)));
const frozen = <T>(value: T): T => (isPlain(value) ? deepFreeze(value) : value);
function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) if (isPlain(inner) && !Object.isFrozen(inner)) deepFreeze(inner);
  return Object.freeze(value);
}

/** A read cache of at most `max` values (least recently used go first). */
export function createReadCache<V>(max = 10_000): ReadCache<V> {
  const cache = new LRUCache<string, Entry>({ max });
  caches.add(cache);
  const idOf = (tenantId: string, key: string) => `${tenantId}\u0000${key}`;
  const keep = (id: string, value: Promise<unknown>) => {
    const entry: Entry = { value };
    cache.set(id, entry, { ttl: lifetimeMs });
    value.catch(() => cache.peek(id) === entry && cache.delete(id));
    return value;
  };
  return {
    get(tenantId, key, load) {
      if (lifetimeMs <= 0) return load();
      const id = idOf(tenantId, key);
      const kept = cache.get(id);
      return (kept?.value ?? keep(id, load().then(frozen))) as Promise<V | null>;
    },
    async getMany(tenantId, keys, loadMissing) {
      if (keys.length === 0) return new Map();
      if (lifetimeMs <= 0) {
        const found = await loadMissing([...keys]);
        return new Map(keys.map((key) => [key, found.get(key) ?? null]));
      }
      const values = new Map<string, Promise<unknown>>();
      const missing: string[] = [];
      for (const key of new Set(keys)) {
        const kept = cache.get(idOf(tenantId, key));
        if (kept) values.set(key, kept.value);
        else missing.push(key);
      }
      if (missing.length > 0) {
        const read = loadMissing(missing);
        for (const key of missing) values.set(key, keep(idOf(tenantId, key), read.then((found) => frozen(found.get(key) ?? null))));
      }
      return new Map(await Promise.all([...values].map(async ([key, value]) => [key, (await value) as V | null] as const)));
    },
    forget(tenantId, key) {
      cache.delete(idOf(tenantId, key));
    },
    forgetTenant(tenantId) {
      const prefix = idOf(tenantId, '');
      for (const id of [...cache.keys()].filter((candidate) => candidate.startsWith(prefix))) cache.delete(id);
    },
  };
}
