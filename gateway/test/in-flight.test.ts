import { InFlight } from '../src/in-flight';

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((done, fail) => ((resolve = done), (reject = fail)));
  return { promise, resolve, reject };
};

describe('in-flight sharing', () => {
  it('runs a task once for concurrent callers with the same key, and afresh once it settled', async () => {
    const inFlight = new InFlight<string>();
    const gate = deferred<string>();
    let runs = 0;
    const task = () => {
      runs += 1;
      return gate.promise;
    };
    const first = inFlight.run('k', task);
    const second = inFlight.run('k', task);
    expect(inFlight.size).toBe(1);
    gate.resolve('answer');
    expect(await Promise.all([first, second])).toEqual(['answer', 'answer']);
    expect(runs).toBe(1);
    expect(inFlight.size).toBe(0);
    await inFlight.run('k', async () => 'later');
    expect(runs).toBe(1);
    expect(await inFlight.run('k', async () => 'again')).toBe('again');
  });

  it('never shares without a key, nor between keys', async () => {
    const inFlight = new InFlight<number>();
    let runs = 0;
    const task = async () => ++runs;
    const answers = await Promise.all([inFlight.run(undefined, task), inFlight.run(undefined, task), inFlight.run('a', task), inFlight.run('b', task)]);
    expect(answers.sort()).toEqual([1, 2, 3, 4]);
  });

  it('gives every sharer the failure, then forgets it', async () => {
    const inFlight = new InFlight<string>();
    const gate = deferred<string>();
    const first = inFlight.run('k', () => gate.promise);
    const second = inFlight.run('k', () => Promise.resolve('not run'));
    gate.reject(new Error('subgraph down'));
    await expect(first).rejects.toThrow('subgraph down');
    await expect(second).rejects.toThrow('subgraph down');
    expect(await inFlight.run('k', async () => 'recovered')).toBe('recovered');
  });
});
