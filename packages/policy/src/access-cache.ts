import type { Identity } from '@crm/auth';
import { createReadCache } from '@crm/service-kit';
import type { Access } from './access';
import { loadAccess } from './load-access';

/*
 * A caller's access, reused by this process for a short time (a read cache of @crm/service-kit,
 * `READ_CACHE_MS`). Loading it takes four store reads (the teams the user is in, the teams they
 * lead, the overrides of their roles, whether the user is active), which every request of every
 * service would otherwise pay before its first decision. A refusal (a deactivated user) is not kept.
 * - This process's policy consumer drops a tenant's entries as soon as it applies a change of
 *   that tenant's teams, roles or users (consumer.ts), so one instance sees a change at once.
 * - A change applied by another instance of the service (the group shares the partitions)
 *   reaches this one within the entry's lifetime.
 */
const accessCache = createReadCache<Access>();

const callerKey = ({ userId, roles }: Identity) => JSON.stringify([userId, [...roles].sort()]);

/** The caller's access: reused while fresh, loaded from the read models otherwise. */
export const cachedAccess = (identity: Identity) => accessCache.get(identity.tenantId, callerKey(identity), () => loadAccess(identity)) as Promise<Access>;

/** Drops every cached access of the tenant (its teams, roles or users changed). */
export const forgetTenantAccess = (tenantId: string) => accessCache.forgetTenant(tenantId);
