import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { identitySchema, profileClaims, profileFromClaims, type Identity } from './identity';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, lifetimeProblem } from './token-lifetime';

/**
 * User tokens carry `sub` (user), `tenant_id` and `roles`, optionally `name` and `email`
 * (the people directory takes them on a first sign-in).
 * Locally they are HS256 with a shared secret; in production the gateway verifies
 * them against the identity provider's JWKS.
 */
export const TOKEN_ISSUER = 'crm-platform';
export const TOKEN_AUDIENCE = 'crm-api';

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

interface CommonVerifierOptions {
  issuer?: string;
  audience?: string;
  /** Tokens must expire, at most this long after they were issued (default 24 h). */
  maxLifetimeSeconds?: number;
}
export type UserTokenVerifierOptions =
  | ({ secret: string; jwksUrl?: undefined } & CommonVerifierOptions)
  | ({ jwksUrl: string; secret?: undefined } & CommonVerifierOptions);

export function createUserTokenVerifier(options: UserTokenVerifierOptions): (token: string) => Promise<Identity> {
  const key: Uint8Array | JWTVerifyGetKey = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl))
    : new TextEncoder().encode(options.secret);
  const verifyOptions = {
    issuer: options.issuer ?? TOKEN_ISSUER,
    audience: options.audience ?? TOKEN_AUDIENCE,
    algorithms: options.jwksUrl ? ['RS256', 'ES256', 'EdDSA'] : ['HS256'],
    requiredClaims: ['exp'],
  };
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  return async (token) => {
    let payload: JWTPayload;
    try {
      // jose's overloads differ for a key and a key getter; both are handled at run time.
      ({ payload } = await jwtVerify(token, key as Uint8Array, verifyOptions));
    } catch (error) {
      throw new InvalidTokenError(`invalid token: ${(error as Error).message}`);
    }
    const tooLong = lifetimeProblem(payload, maxLifetime);
    if (tooLong) throw new InvalidTokenError(`invalid token: ${tooLong}`);
    const identity = identitySchema.safeParse({ tenantId: payload.tenant_id, userId: payload.sub, roles: payload.roles, ...profileFromClaims(payload) });
    if (!identity.success) throw new InvalidTokenError('invalid token: missing or malformed tenant_id, sub or roles claims');
    return identity.data;
  };
}

export async function signUserToken(identity: Identity, secret: string, expiresIn = '12h'): Promise<string> {
  return new SignJWT({ tenant_id: identity.tenantId, roles: identity.roles, ...profileClaims(identity) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(identity.userId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
