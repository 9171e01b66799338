// Test helpers that touch the broker live here, so that kafkajs stays inside @crm/messaging.
export * from './ids';
export * from './kafka';
export * from './producer';
export * from './topic-reader';
export * from './wait';
