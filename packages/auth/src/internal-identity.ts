import { jwtVerify, SignJWT } from 'jose';
import { identitySchema, profileClaims, profileFromClaims, type Identity } from './identity';
import { lifetimeProblem } from './token-lifetime';
import { InvalidTokenError } from './user-token';

/**
 * The gateway forwards the verified identity to subgraphs in this header, as a
 * short-lived HS256 JWT signed with INTERNAL_SECRET. Subgraphs trust nothing else,
 * so a request that bypasses the gateway is refused.
 */
export const IDENTITY_HEADER = 'x-crm-identity';
const AUDIENCE = 'crm-subgraph';
const ISSUER = 'crm-gateway';
const LIFETIME = 60;
/** Room for the signer's and the verifier's clocks to differ. */
const MAX_LIFETIME = 2 * LIFETIME;

export async function signInternalIdentity(identity: Identity, secret: string): Promise<string> {
  return new SignJWT({ tenant_id: identity.tenantId, roles: identity.roles, ...profileClaims(identity) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(identity.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${LIFETIME}s`)
    .sign(new TextEncoder().encode(secret));
}

export async function verifyInternalIdentity(token: string, secret: string): Promise<Identity> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
    });
    const tooLong = lifetimeProblem(payload, MAX_LIFETIME);
    if (tooLong) throw new Error(tooLong);
    return identitySchema.parse({ tenantId: payload.tenant_id, userId: payload.sub, roles: payload.roles, ...profileFromClaims(payload) });
  } catch (error) {
    throw new InvalidTokenError(`invalid gateway identity: ${(error as Error).message}`);
  }
}
