import type { Socket } from 'node:net';
import { MongoNetworkError } from 'mongodb';

/**
 * Works around a hang in the MongoDB driver (mongodb 7.8/7.9, `Connection.writeCommand`): when
 * `socket.write` returns false it waits for `'drain'` or `'error'`, but a socket Node has already
 * destroyed (the store ended the connection while restarting) emits neither: only `'close'`. The
 * write then waits forever. When that write is the server monitor's heartbeat, the monitor never
 * checks again and the service stays cut off from a store that is back (seen in the store-restart
 * fault test: no heartbeat after "started", readiness 503 for minutes).
 *
 * The guard fails such a write at once, or when the socket closes while the write waits, with the
 * driver's own MongoNetworkError, marking the connection closed as the driver does for a failed
 * write. The driver then handles it as any network error (server marked unknown, monitor
 * re-checks, callers get SERVICE_UNAVAILABLE). Idempotent; a no-op if the driver's shape changes.
 */
type DriverConnection = { socket: Socket; id: unknown; address: string; onError(error: Error): void };
type WriteCommand = (this: DriverConnection, ...args: unknown[]) => Promise<void>;

const GUARDED = Symbol.for('crm.driverSocketGuard');

export function guardDriverSocketWrites(): boolean {
  let prototype: { writeCommand?: WriteCommand; [GUARDED]?: true };
  try {
    // Internal module: no "exports" map in mongodb's package.json, so the path resolves.
    prototype = (require('mongodb/lib/cmap/connection') as { Connection: { prototype: typeof prototype } }).Connection.prototype;
  } catch {
    return false;
  }
  const original = prototype.writeCommand;
  if (typeof original !== 'function') return false;
  if (prototype[GUARDED]) return true;
  prototype.writeCommand = function guardedWriteCommand(this: DriverConnection, ...args: unknown[]) {
    const { socket } = this;
    const closedError = () => new MongoNetworkError(`connection ${String(this.id)} to ${this.address} closed`);
    if (socket.destroyed) {
      const error = closedError();
      this.onError(error);
      return Promise.reject(error);
    }
    let onClose!: () => void;
    const closed = new Promise<never>((_resolve, reject) => {
      onClose = () => {
        const error = closedError();
        this.onError(error);
        reject(error);
      };
      socket.once('close', onClose);
    });
    return Promise.race([original.apply(this, args), closed]).finally(() => socket.off('close', onClose));
  };
  prototype[GUARDED] = true;
  return true;
}
