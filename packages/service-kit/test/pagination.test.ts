import { GraphQLError } from 'graphql';
import { decodeCursor, encodeCursor, pageSize, toConnection } from '../src';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as GraphQLError).extensions.code;
  }
  return 'no error';
};

describe('pagination', () => {
  it('round-trips cursors and refuses forged ones', () => {
    expect(decodeCursor(encodeCursor('abc'))).toBe('abc');
    expect(code(() => decodeCursor('garbage'))).toBe('BAD_USER_INPUT');
  });

  it('bounds page sizes', () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(5)).toBe(5);
    expect(code(() => pageSize(0))).toBe('BAD_USER_INPUT');
    expect(code(() => pageSize(101))).toBe('BAD_USER_INPUT');
  });

  it('builds a connection from one row more than the page', async () => {
    const rows = ['a', 'b', 'c'].map((id) => ({ _id: id }));
    const connection = toConnection(rows, 2, async () => 7, false);
    expect(connection.edges.map((edge) => edge.node._id)).toEqual(['a', 'b']);
    expect(connection.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: encodeCursor('a'), endCursor: encodeCursor('b') });
    await expect(connection.totalCount()).resolves.toBe(7);
    expect(toConnection([], 2, async () => 0, true).pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
  });
});
