export * from './graphql-client';
export * from './tenants';
export * from './test-service';
export * from './query-plans';
export * from './free-port';
export * from './stack';
export { sharedStack } from './shared-stack';
// One implementation of these, shared with @crm/messaging's own tests (which must not need this package).
export { waitFor } from '@crm/messaging/testing';
