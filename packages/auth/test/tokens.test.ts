import { SignJWT } from 'jose';
import {
  createUserTokenVerifier,
  hasRole,
  InvalidTokenError,
  parseDurationSeconds,
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

  it('carries the optional name and email claims to the identity and through the internal header; drops malformed ones', async () => {
    const named = { ...alice, name: 'Alice Archer', email: 'alice@acme.example' };
    await expect(verify(await signUserToken(named, secret))).resolves.toEqual(named);
    await expect(verifyInternalIdentity(await signInternalIdentity(named, secret), secret)).resolves.toEqual(named);
    const odd = await new SignJWT({ tenant_id: 'acme', roles: ['manager'], name: 'x'.repeat(201), email: 42 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer('crm-platform')
      .setAudience('crm-api')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    await expect(verify(odd)).resolves.toEqual(alice);
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
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    await expect(verify(token)).rejects.toThrow(/tenant_id/);
  });

  it('rejects garbage', async () => {
    await expect(verify('not-a-jwt')).rejects.toThrow(InvalidTokenError);
  });
});

describe('user token lifetime', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const userToken = (times: { iat?: number; exp?: number }) => {
    const jwt = new SignJWT({ tenant_id: 'acme', roles: ['manager'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer('crm-platform').setAudience('crm-api');
    if (times.iat !== undefined) jwt.setIssuedAt(times.iat);
    if (times.exp !== undefined) jwt.setExpirationTime(times.exp);
    return jwt.sign(new TextEncoder().encode(secret));
  };

  it('refuses a token that never expires', async () => {
    await expect(createUserTokenVerifier({ secret })(await userToken({ iat: now() }))).rejects.toThrow(/"exp"/);
  });

  it('refuses a token issued for longer than the maximum (24 h by default), measured from iat', async () => {
    const verify = createUserTokenVerifier({ secret });
    await expect(verify(await userToken({ iat: now() - 60, exp: now() + 24 * 3600 }))).rejects.toThrow(/longer than the allowed 86400 s/);
    await expect(verify(await userToken({ iat: now() - 60, exp: now() + 23 * 3600 }))).resolves.toEqual(alice);
  });

  it('judges a token without iat by the time it has left', async () => {
    const verify = createUserTokenVerifier({ secret, maxLifetimeSeconds: 3600 });
    await expect(verify(await userToken({ exp: now() + 2 * 3600 }))).rejects.toThrow(/longer than the allowed 3600 s/);
    await expect(verify(await userToken({ exp: now() + 1800 }))).resolves.toEqual(alice);
  });

  it('applies a configured maximum', async () => {
    const verify = createUserTokenVerifier({ secret, maxLifetimeSeconds: 600 });
    await expect(verify(await signUserToken(alice, secret, '15m'))).rejects.toThrow(InvalidTokenError);
    await expect(verify(await signUserToken(alice, secret, '10m'))).resolves.toEqual(alice);
  });

  it('reads durations the way JWT_MAX_TOKEN_LIFETIME and npm run token take them', () => {
    expect([parseDurationSeconds('90'), parseDurationSeconds('90s'), parseDurationSeconds('15m'), parseDurationSeconds('24h'), parseDurationSeconds('2d')]).toEqual([90, 90, 900, 86_400, 172_800]);
    expect(parseDurationSeconds('1 week')).toBeUndefined();
  });
});

describe('gateway-to-subgraph identity', () => {
  const internalToken = (build: (jwt: SignJWT) => SignJWT) =>
    build(new SignJWT({ tenant_id: 'acme', roles: ['manager'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer('crm-gateway').setAudience('crm-subgraph')).sign(
      new TextEncoder().encode(secret),
    );

  it('refuses an identity without exp or living longer than two minutes', async () => {
    await expect(verifyInternalIdentity(await internalToken((jwt) => jwt.setIssuedAt()), secret)).rejects.toThrow(/"exp"/);
    await expect(verifyInternalIdentity(await internalToken((jwt) => jwt.setIssuedAt().setExpirationTime('1h')), secret)).rejects.toThrow(/longer than/);
    await expect(verifyInternalIdentity(await internalToken((jwt) => jwt.setIssuedAt().setExpirationTime('60s')), secret)).resolves.toEqual(alice);
  });

  it('round-trips and refuses a user token in its place', async () => {
    await expect(verifyInternalIdentity(await signInternalIdentity(alice, secret), secret)).resolves.toEqual(alice);
    await expect(verifyInternalIdentity(await signUserToken(alice, secret), secret)).rejects.toThrow(InvalidTokenError);
  });

  it('checks roles', () => {
    expect(hasRole(alice, 'manager')).toBe(true);
    expect(hasRole(alice, 'admin', 'head_of_sales')).toBe(false);
  });
});
