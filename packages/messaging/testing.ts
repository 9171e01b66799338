// `@crm/messaging/testing`: helpers for tests that produce to and read topics (never for production code).
export * from './src/testing';
