// kafkajs's request queues with our scheduling of checks (src/kafkajs-idle-queues.ts): an idle
// connection to the real broker wakes nothing, and waiting or throttled requests are still sent.
import { requestQueueClass, type RequestQueueInternals } from '../src/kafkajs-idle-queues';
import { testKafka } from '../src/testing';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const queues: RequestQueueInternals[] = [];
const newQueue = () => {
  const queue = new (requestQueueClass())({ maxInFlightRequests: 1, requestTimeout: 1000, enforceRequestTimeout: true, clientId: 'test', broker: 'test:0', logger: quiet });
  queues.push(queue);
  return queue;
};
// A timer left scheduled (kafkajs's own scheduling reschedules itself for ever) ends with the test.
afterEach(() => queues.splice(0).forEach((queue) => queue.throttleCheckTimeoutId && clearTimeout(queue.throttleCheckTimeoutId)));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('kafkajs request queues', () => {
  it('schedule no check when nothing waits and nothing is throttled', () => {
    const queue = newQueue();
    queue.checkPendingRequests();
    expect(queue.throttleCheckTimeoutId === null).toBe(true);
  });

  it('check waiting requests again when a throttle ends, and every 10 ms when they only wait for a slot', async () => {
    const throttled = newQueue();
    const checks: number[] = [];
    throttled.checkPendingRequests = () => void checks.push(Date.now());
    throttled.pending.push({});
    throttled.throttledUntil = Date.now() + 60;
    const scheduledAt = Date.now();
    throttled.scheduleCheckPendingRequests();
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    await sleep(120);
    expect(checks).toHaveLength(1);
    expect(checks[0]! - scheduledAt).toBeGreaterThanOrEqual(55);

    const waiting = newQueue();
    let checked = 0;
    waiting.checkPendingRequests = () => void (checked += 1);
    waiting.pending.push({});
    waiting.scheduleCheckPendingRequests();
    await sleep(50);
    expect(checked).toBe(1);
  });

  it('leave a connected, idle client alone, and it still sends and receives', async () => {
    const prototype = requestQueueClass().prototype;
    const checks = jest.spyOn(prototype, 'checkPendingRequests');
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await admin.listTopics();
      checks.mockClear();
      await sleep(500);
      // kafkajs 2.2.4 as released checks each connection's queue about every millisecond.
      expect(checks.mock.calls.length).toBeLessThan(20);
      expect((await admin.listTopics()).length).toBeGreaterThan(0);
    } finally {
      checks.mockRestore();
      await admin.disconnect();
    }
  });
});
