import { verifyInternalIdentity, type Identity } from '@crm/auth';
import { createIdentityHeaderSigner } from '../src/identity-header';

const secret = 'identity-header-test-secret-0123456789';
const alice: Identity = { tenantId: 'acme', userId: 'alice', roles: ['manager'] };

describe('the signed identity header', () => {
  it('is a token the subgraphs verify, reused for the same caller', async () => {
    const sign = createIdentityHeaderSigner(secret);
    const token = await sign(alice);
    expect(await verifyInternalIdentity(token, secret)).toEqual(alice);
    expect(await sign({ ...alice })).toBe(token);
  });

  it('is never shared between callers', async () => {
    const sign = createIdentityHeaderSigner(secret);
    const tokens = await Promise.all([sign(alice), sign({ ...alice, tenantId: 'globex' }), sign({ ...alice, userId: 'bob' }), sign({ ...alice, roles: ['admin'] })]);
    expect(new Set(tokens).size).toBe(4);
    expect(await verifyInternalIdentity(tokens[1]!, secret)).toEqual({ ...alice, tenantId: 'globex' });
  });
});
