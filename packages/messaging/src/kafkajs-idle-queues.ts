/*
 * kafkajs 2.2.4, its last release, keeps every broker connection's request queue busy when it
 * has nothing to do: after each check it schedules the next with a timeout of
 * `throttledUntil - now`, negative when nothing is throttled, which Node runs after 1 ms (and,
 * since Node 24, warns about: TimeoutNegativeWarning). Every connection of every consumer and
 * producer wakes the event loop about a thousand times a second (tulios/kafkajs#1556, #1704,
 * #1751; the fix proposed in #1667 was never released). Measured here: 5-10% of a core per idle
 * service, and a timer between every two I/O callbacks under load.
 *
 * The queue needs a timed check only while requests wait, or until a throttle ends; a response
 * (a free in-flight slot) and a new request check it anyway. This schedules exactly those.
 */

/** kafkajs's own interval for waiting requests. */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

export interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs's RequestQueue class (internal: an upgrade that moves it fails here and in the test). */
export function requestQueueClass(): new (options: Record<string, unknown>) => RequestQueueInternals {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RequestQueue = require('kafkajs/src/network/requestQueue');
  if (typeof RequestQueue?.prototype?.scheduleCheckPendingRequests !== 'function') throw new Error('kafkajs changed: RequestQueue.scheduleCheckPendingRequests is gone');
  return RequestQueue;
}

function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  let delay: number;
  if (this.pending.length > 0) delay = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL;
  else if (untilUnthrottled > 0) delay = untilUnthrottled;
  else return; // nothing waits, nothing is throttled
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

/** Replaces kafkajs's scheduling of queue checks, once per process (before any connection). */
export function fixIdleRequestQueues(): void {
  const { prototype } = requestQueueClass();
  prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
}
