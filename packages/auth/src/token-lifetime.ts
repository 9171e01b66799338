import type { JWTPayload } from 'jose';

/** Longest a user token may live by default (JWT_MAX_TOKEN_LIFETIME at the gateway). */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

/**
 * Why a verified token's lifetime is not acceptable, or undefined. A token must expire; it may live
 * at most `maxSeconds` from its `iat`, or, without `iat`, from now.
 */
export function lifetimeProblem(payload: JWTPayload, maxSeconds: number, nowSeconds = Math.floor(Date.now() / 1000)): string | undefined {
  if (typeof payload.exp !== 'number') return 'the token has no "exp" (expiry) claim';
  const from = typeof payload.iat === 'number' ? payload.iat : nowSeconds;
  if (payload.exp - from > maxSeconds) return `the token lives longer than the allowed ${maxSeconds} s`;
  return undefined;
}

/** "90", "90s", "15m", "12h", "1d" as seconds. */
export function parseDurationSeconds(value: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!match) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
