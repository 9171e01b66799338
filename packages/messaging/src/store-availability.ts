import mongoose from 'mongoose';
import { isStoreConnectionError } from './store-errors';

/** The store cannot be reached right now: waiting helps, giving up on the work does not. */
export function isStoreUnavailable(error: unknown): boolean {
  return isStoreConnectionError(error) || mongoose.connection.readyState !== 1;
}
