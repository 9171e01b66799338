export * from './kafka';
export * from './publisher';
export * from './outbox';
export * from './consumer';
export * from './processed-event.model';
