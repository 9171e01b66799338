import { signInternalIdentity, type Identity } from '@crm/auth';
import { LRUCache } from 'lru-cache';

/**
 * Signs the x-crm-identity header once per caller and reuses it for 30 s: the token is valid for
 * 60 s, and signing it for each of a request's many subgraph fetches was a visible share of the CPU.
 */
export function createIdentityHeaderSigner(secret: string, reuseMs = 30_000): (identity: Identity) => Promise<string> {
  const signed = new LRUCache<string, Promise<string>>({ max: 10_000, ttl: reuseMs });
  return (identity) => {
    const key = JSON.stringify([identity.tenantId, identity.userId, identity.roles, identity.name, identity.email]);
    let token = signed.get(key);
    if (!token) {
      token = signInternalIdentity(identity, secret);
      token.catch(() => signed.delete(key));
      signed.set(key, token);
    }
    return token;
  };
}
