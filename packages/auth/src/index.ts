export * from './identity';
export * from './user-token';
export * from './internal-identity';

/** Secrets used when none is configured, on a developer's machine only (config refuses them in production). */
export const LOCAL_JWT_SECRET = 'local-dev-jwt-secret-not-for-production';
export const LOCAL_INTERNAL_SECRET = 'local-dev-internal-secret-not-for-production';
