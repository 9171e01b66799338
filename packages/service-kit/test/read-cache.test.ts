// The read cache's rules (pure logic: the loads are plain functions counting their calls).
import { configureReadCaches, createReadCache } from '../src/read-cache';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
afterEach(() => configureReadCaches(1000));

describe('read cache', () => {
  it('keeps a value for its lifetime, per tenant, and reads it again after', async () => {
    configureReadCaches(200);
    const cache = createReadCache<{ n: number }>();
    let reads = 0;
    const load = async () => ({ n: ++reads });
    expect(await cache.get('t1', 'rates', load)).toEqual({ n: 1 });
    expect(await cache.get('t1', 'rates', load)).toEqual({ n: 1 });
    expect(await cache.get('t2', 'rates', load)).toEqual({ n: 2 });
    await sleep(260);
    expect(await cache.get('t1', 'rates', load)).toEqual({ n: 3 });
  });

  it('drops what this process changed, shares a read in flight, and keeps no failure', async () => {
    const cache = createReadCache<string>();
    let reads = 0;
    const load = async () => `v${++reads}`;
    const [a, b] = await Promise.all([cache.get('t', 'k', load), cache.get('t', 'k', load)]);
    expect([a, b, reads]).toEqual(['v1', 'v1', 1]);
    cache.forget('t', 'k');
    expect(await cache.get('t', 'k', load)).toBe('v2');
    await cache.get('t-other', 'k', load);
    cache.forgetTenant('t');
    expect(await cache.get('t', 'k', load)).toBe('v4');
    expect(await cache.get('t-other', 'k', load)).toBe('v3');
    await expect(cache.get('t', 'broken', () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    expect(await cache.get('t', 'broken', load)).toBe('v5');
  });

  it('reads the missing ones of several keys in one call, remembering those that do not exist', async () => {
    const cache = createReadCache<{ id: string }>();
    const calls: string[][] = [];
    const loadMissing = async (missing: string[]) => {
      calls.push(missing);
      return new Map(missing.filter((id) => id !== 'gone').map((id) => [id, { id }]));
    };
    await cache.get('t', 'a', async () => ({ id: 'a' }));
    const found = await cache.getMany('t', ['a', 'b', 'gone', 'b'], loadMissing);
    expect([...found]).toEqual([['a', { id: 'a' }], ['b', { id: 'b' }], ['gone', null]]);
    expect(calls).toEqual([['b', 'gone']]);
    await cache.getMany('t', ['b', 'gone'], loadMissing);
    expect(calls).toHaveLength(1);
  });

  it('hands out frozen values, shared as they are by every request', async () => {
    const cache = createReadCache<{ stages: { id: string }[] }>();
    const pipeline = await cache.get('t', 'p', async () => ({ stages: [{ id: 's1' }] }));
    expect(Object.isFrozen(pipeline) && Object.isFrozen(pipeline!.stages) && Object.isFrozen(pipeline!.stages[0])).toBe(true);
    expect(() => pipeline!.stages.push({ id: 's2' })).toThrow(TypeError);
  });

  it('reads every time when turned off', async () => {
    configureReadCaches(0);
    const cache = createReadCache<number>();
    let reads = 0;
    await cache.get('t', 'k', async () => ++reads);
    await cache.get('t', 'k', async () => ++reads);
    expect(reads).toBe(2);
  });
});

describe('read cache values', () => {
  it('freezes plain objects and arrays but leaves ids, dates and buffers as they are', async () => {
    const { Types } = await import('mongoose');
    const cache = createReadCache<{ _id: InstanceType<typeof Types.ObjectId>; at: Date; stages: { _id: InstanceType<typeof Types.ObjectId> }[] }>();
    const id = new Types.ObjectId();
    const doc = await cache.get('t', 'p', async () => ({ _id: id, at: new Date(0), stages: [{ _id: new Types.ObjectId() }] }));
    expect(Object.isFrozen(doc!.stages[0])).toBe(true);
    expect(Object.isFrozen(doc!._id) || Object.isFrozen(doc!.at)).toBe(false);
    expect(doc!._id.toString()).toBe(id.toString());
  });
});
