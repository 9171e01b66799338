import { createLogger, createPollingWorker } from '../src';

const logger = createLogger('polling-test', 'silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createPollingWorker', () => {
  it('polls at start, again at once while batches come full, then after the interval', async () => {
    const handled = [3, 3, 1, 0, 0];
    const calls: number[] = [];
    const started = Date.now();
    const worker = createPollingWorker({
      what: 'test poll',
      logger,
      intervalMs: 200,
      batch: 3,
      poll: async () => {
        calls.push(Date.now() - started);
        return handled.shift() ?? 0;
      },
    });
    worker.start();
    await sleep(100);
    expect(calls).toHaveLength(3); // two full batches, then a short one: no wait in between
    await sleep(250);
    await worker.stop();
    expect(calls).toHaveLength(4);
    // The fourth waited the interval after the short batch (less a few ms: timers and Date.now() are
    // millisecond-coarse, and one came at 199 ms once), not a poll at once (about 0 ms).
    expect(calls[3]! - calls[2]!).toBeGreaterThanOrEqual(195);
  });

  it('logs a failed round and polls again at the next interval; stop waits for the round in progress', async () => {
    let rounds = 0;
    let finished = false;
    const worker = createPollingWorker({
      what: 'test poll',
      logger,
      intervalMs: 20,
      poll: async () => {
        rounds += 1;
        if (rounds === 1) throw new Error('store down');
        await sleep(50);
        finished = true;
      },
    });
    worker.start();
    await sleep(40);
    expect(rounds).toBe(2);
    await worker.stop();
    expect(finished).toBe(true);
    const after = rounds;
    await sleep(60);
    expect(rounds).toBe(after);
  });

  it('waits one interval before the first round when asked', async () => {
    let rounds = 0;
    const worker = createPollingWorker({ what: 'test poll', logger, intervalMs: 50, pollAtStart: false, poll: async () => void (rounds += 1) });
    worker.start();
    expect(rounds).toBe(0);
    await sleep(80);
    await worker.stop();
    expect(rounds).toBe(1);
  });
});
