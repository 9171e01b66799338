import { GraphQLError } from 'graphql';
import { createListLoader, listSize } from '../src';

const bound = { default: 20, max: 200 };

describe('list sizes', () => {
  it('takes first, or the default when it is left out or null', () => {
    expect(listSize(undefined, bound)).toBe(20);
    expect(listSize(null, bound)).toBe(20);
    expect(listSize(0, bound)).toBe(0);
    expect(listSize(200, bound)).toBe(200);
  });

  it.each([201, -1, 1.5])('refuses first = %s with BAD_USER_INPUT naming the argument, rather than cutting the list', (first) => {
    expect(() => listSize(first, bound, 'first')).toThrow(GraphQLError);
    try {
      listSize(first, bound);
    } catch (error) {
      expect((error as GraphQLError).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
      expect((error as GraphQLError).message).toBe('first must be between 0 and 200');
    }
  });
});

describe('a list loader', () => {
  it('reads each distinct parent and size once, with that limit, and nothing for first = 0', async () => {
    const reads: [string, number][] = [];
    const loader = createListLoader(async (id, limit) => {
      reads.push([id, limit]);
      return Array.from({ length: limit }, (_, i) => `${id}-${i}`);
    });
    const answers = await Promise.all([
      loader.load({ id: 'a', first: 2 }),
      loader.load({ id: 'b', first: 1 }),
      loader.load({ id: 'a', first: 2 }),
      loader.load({ id: 'a', first: 3 }),
      loader.load({ id: 'c', first: 0 }),
    ]);
    expect(answers).toEqual([['a-0', 'a-1'], ['b-0'], ['a-0', 'a-1'], ['a-0', 'a-1', 'a-2'], []]);
    expect(reads).toEqual([['a', 2], ['b', 1], ['a', 3]]);
  });

  it('fails only the parent whose read failed', async () => {
    const loader = createListLoader(async (id) => {
      if (id === 'bad') throw new Error('store down');
      return [id];
    });
    const [good, bad] = await Promise.allSettled([loader.load({ id: 'good', first: 5 }), loader.load({ id: 'bad', first: 5 })]);
    expect(good).toEqual({ status: 'fulfilled', value: ['good'] });
    expect(bad).toMatchObject({ status: 'rejected', reason: new Error('store down') });
  });
});
