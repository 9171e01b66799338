// No mongoose here: the gateway uses these checks without bundling a store driver.

type StoreError = { code?: number; message?: string; writeErrors?: { code?: number }[] } | null | undefined;

/**
 * FerretDB 1.24 on SQLite answers a unique index violated by an update (findAndModify) with
 * `InternalError` (code 1) and SQLite's own message, not with code 11000 as inserts do.
 */
const SQLITE_UNIQUE = /UNIQUE constraint failed: index /;

/**
 * A unique index refused the write (MongoDB's and FerretDB's code 11000, or FerretDB's update
 * path's SQLite message). For a bulk write: every failed document was such a duplicate.
 */
export function isDuplicateKey(error: unknown): boolean {
  const { code, message, writeErrors } = (error ?? {}) as NonNullable<StoreError>;
  if (writeErrors?.length) return writeErrors.every((writeError) => writeError.code === 11000);
  return code === 11000 || (code === 1 && typeof message === 'string' && SQLITE_UNIQUE.test(message));
}

const UNAVAILABLE = new Set(['MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoServerSelectionError', 'MongoNotConnectedError', 'PoolClearedError', 'MongoPoolClearedError']);

/**
 * Socket errors the driver (mongodb 7) can let through unwrapped, for instance a write to a
 * connection the restarting store has just closed (EPIPE, "This socket has been ended by the
 * other party"). A resolver opens no socket of its own, so one of these is the store's.
 */
const SOCKET_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/**
 * The error itself says the store could not be reached (the driver's network and selection
 * errors, a closed socket, or mongoose's buffering timeout while disconnected).
 */
export function isStoreConnectionError(error: unknown): boolean {
  const { name, message, code } = (error ?? {}) as Partial<Error> & { code?: unknown };
  return (
    UNAVAILABLE.has(name ?? '') ||
    (typeof code === 'string' && SOCKET_CODES.has(code)) ||
    (name === 'MongooseError' && /buffering timed out/.test(message ?? ''))
  );
}
