import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { createUserTokenVerifier, InvalidTokenError } from '../src';

// Production verifies tokens against the identity provider's JWKS: a real one, served on loopback.
let server: Server;
let jwksUrl: string;
let privateKey: KeyLike;
let otherKey: KeyLike;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const token = (key: KeyLike, claims: Record<string, unknown> = { tenant_id: 'acme', roles: ['head_of_sales'] }) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
    .setSubject('carol')
    .setIssuer('https://idp.example')
    .setAudience('crm')
    .setExpirationTime('5m')
    .sign(key);

describe('user tokens from an identity provider (JWKS)', () => {
  it('verifies a token signed with a published key', async () => {
    const verify = createUserTokenVerifier({ jwksUrl, issuer: 'https://idp.example', audience: 'crm' });
    await expect(verify(await token(privateKey))).resolves.toEqual({ tenantId: 'acme', userId: 'carol', roles: ['head_of_sales'] });
  });

  it('rejects a token signed with a key the provider did not publish, or for another audience', async () => {
    await expect(createUserTokenVerifier({ jwksUrl, issuer: 'https://idp.example', audience: 'crm' })(await token(otherKey))).rejects.toThrow(InvalidTokenError);
    await expect(createUserTokenVerifier({ jwksUrl, issuer: 'https://idp.example', audience: 'billing' })(await token(privateKey))).rejects.toThrow(/aud/);
  });
});
