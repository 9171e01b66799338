export * from './model';
export * from './access';
export * from './read-models';
export * from './consumer';
export * from './load-access';
export * from './access-cache';
export * from './guard';
