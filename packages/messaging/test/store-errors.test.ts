import { isDuplicateKey, isStoreConnectionError } from '../src/store-errors';

/** Pure classification: which failures a client may retry (SERVICE_UNAVAILABLE) and which are bugs. */
describe('isStoreConnectionError', () => {
  const named = (name: string, message = 'x') => Object.assign(new Error(message), { name });
  const socket = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('knows the driver’s network and selection errors and mongoose’s buffering timeout', () => {
    expect(isStoreConnectionError(named('MongoNetworkError', 'connection 5 to 127.0.0.1:27017 closed'))).toBe(true);
    expect(isStoreConnectionError(named('MongoServerSelectionError', 'connect ECONNREFUSED'))).toBe(true);
    expect(isStoreConnectionError(named('MongoPoolClearedError'))).toBe(true);
    expect(isStoreConnectionError(named('MongooseError', 'Operation `deals.findOne()` buffering timed out after 4000ms'))).toBe(true);
  });

  it('knows a socket the restarting store closed, which the driver lets through unwrapped', () => {
    // What mongodb 7 threw from Connection.writeCommand while FerretDB restarted (a 500 before).
    expect(isStoreConnectionError(socket('EPIPE', 'This socket has been ended by the other party'))).toBe(true);
    expect(isStoreConnectionError(socket('ECONNRESET', 'read ECONNRESET'))).toBe(true);
  });

  it('leaves every other error to be reported as internal', () => {
    expect(isStoreConnectionError(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isStoreConnectionError(named('MongooseError', 'Model.find() no longer accepts a callback'))).toBe(false);
    expect(isStoreConnectionError(named('MongoServerError', 'E11000 duplicate key'))).toBe(false);
    expect(isStoreConnectionError(socket('ENOENT', 'no such file'))).toBe(false);
    expect(isStoreConnectionError(Object.assign(new Error('odd'), { code: 6 }))).toBe(false);
    expect(isStoreConnectionError(undefined)).toBe(false);
  });
});

describe('isDuplicateKey', () => {
  it('knows code 11000, FerretDB’s SQLite update message and a bulk write of duplicates only', () => {
    expect(isDuplicateKey({ code: 11000 })).toBe(true);
    expect(isDuplicateKey({ code: 1, message: 'UNIQUE constraint failed: index "unique_keys_key"' })).toBe(true);
    expect(isDuplicateKey({ writeErrors: [{ code: 11000 }, { code: 11000 }] })).toBe(true);
    expect(isDuplicateKey({ writeErrors: [{ code: 11000 }, { code: 2 }] })).toBe(false);
    expect(isDuplicateKey({ code: 1, message: 'other' })).toBe(false);
    expect(isDuplicateKey(null)).toBe(false);
  });
});
