export * from './identity';
export * from './user-token';
export * from './internal-identity';
export * from './local-dev';
export * from './token-lifetime';
