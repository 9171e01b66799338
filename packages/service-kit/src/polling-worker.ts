import type { Logger } from './logger';
import type { BackgroundWorker } from './start-service';

export interface PollingWorkerOptions {
  /** What the log says failed ("reminder poll"). */
  what: string;
  logger: Logger;
  intervalMs: number;
  /**
   * One round; it returns how many items it handled. With `batch` set, a full batch means more
   * are due, so the next round runs at once instead of after the interval.
   */
  poll: () => Promise<number | void>;
  batch?: number;
  /** Whether the first round runs at start (default) or one interval later. */
  pollAtStart?: boolean;
}

/**
 * A background worker that polls the store: one round at a time, the next one an interval after
 * the last ended; a failed round is logged and the next one tries again. Stopping waits for the
 * round in progress, so a service stops without a write cut in half.
 */
export function createPollingWorker({ what, logger, intervalMs, poll, batch, pollAtStart = true }: PollingWorkerOptions): BackgroundWorker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const round = async () => {
    try {
      while (!stopped) {
        const handled = await poll();
        if (batch === undefined || (handled ?? 0) < batch) return;
      }
    } catch (error) {
      logger.warn({ err: error }, `${what} failed; trying again at the next one`);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().finally(schedule);
    }, intervalMs);
  };
  return {
    start() {
      stopped = false;
      if (pollAtStart) running = round().finally(schedule);
      else schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
