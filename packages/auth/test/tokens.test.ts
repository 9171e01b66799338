import { SignJWT } from 'jose';
import {
  createUserTokenVerifier,
  hasRole,
  InvalidTokenError,
  signInternalIdentity,
  signUserToken,
  verifyInternalIdentity,
} from '../src';

const secret = 'test-secret-of-enough-length-for-hs256';
const alice = { tenantId: 'acme', userId: 'alice', roles: ['manager' as const] };

describe('user tokens', () => {
  const verify = createUserTokenVerifier({ secret });

  it('verifies a token it signed and returns the identity', async () => {
    await expect(verify(await signUserToken(alice, secret))).resolves.toEqual(alice);
  });

  it('rejects a token signed with another secret', async () => {
    await expect(verify(await signUserToken(alice, 'another-secret-another-secret'))).rejects.toThrow(InvalidTokenError);
  });

  it('rejects an expired token', async () => {
    const token = await new SignJWT({ tenant_id: 'acme', roles: ['manager'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer('crm-platform')
      .setAudience('crm-api')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(secret));
    await expect(verify(token)).rejects.toThrow(/exp/);
  });

  it('rejects a token without a tenant claim', async () => {
    const token = await new SignJWT({ roles: ['manager'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer('crm-platform')
      .setAudience('crm-api')
      .sign(new TextEncoder().encode(secret));
    await expect(verify(token)).rejects.toThrow(/tenant_id/);
  });

  it('rejects garbage', async () => {
    await expect(verify('not-a-jwt')).rejects.toThrow(InvalidTokenError);
  });
});

describe('gateway-to-subgraph identity', () => {
  it('round-trips and refuses a user token in its place', async () => {
    await expect(verifyInternalIdentity(await signInternalIdentity(alice, secret), secret)).resolves.toEqual(alice);
    await expect(verifyInternalIdentity(await signUserToken(alice, secret), secret)).rejects.toThrow(InvalidTokenError);
  });

  it('checks roles', () => {
    expect(hasRole(alice, 'manager')).toBe(true);
    expect(hasRole(alice, 'admin', 'head_of_sales')).toBe(false);
  });
});
