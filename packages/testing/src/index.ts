export * from './graphql-client';
export * from './tenants';
export * from './test-service';
export * from './topic-reader';
export * from './wait';
export * from './query-plans';
export * from './free-port';
