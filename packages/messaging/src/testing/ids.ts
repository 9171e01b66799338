import { randomBytes } from 'node:crypto';

/** A fresh id per test (tenant, group, database) keeps tests independent on a shared store and broker. */
export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;
