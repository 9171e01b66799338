export * from './envelope';
export * from './topics';
export * from './define';
export * from './catalogue';
export * from './contacts.events';
export * from './deals.events';
export * from './activities.events';
