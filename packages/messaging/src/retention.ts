import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import { daysAgo, daysBefore } from './day-bucket';
import { ParkedEventModel } from './parked-event.model';
import { ProcessedEventModel } from './processed-event.model';

export interface RetentionOptions {
  /** Days a consumer remembers an event it processed (default 14): longer than any redelivery or replay window. */
  processedEventsDays?: number;
  /** Days a parked outbox event is kept for a human to look at (default 30). */
  parkedEventsDays?: number;
  /** Past the retention, how many days back each run looks (default 366: a service down for a year leaves older days behind). */
  lookbackDays?: number;
}

export interface RetentionResult {
  processedEvents: number;
  parkedEvents: number;
}

/**
 * Deletes the records older than their retention, whole UTC days at a time: `day $in [expired
 * days]` is served by the `day` index on every store (no TTL index on the local one, and no
 * range from an index either). A day is expired once `retention` full days have passed it.
 */
export async function deleteExpired(now = new Date(), options: RetentionOptions = {}): Promise<RetentionResult> {
  const { processedEventsDays = 14, parkedEventsDays = 30, lookbackDays = 366 } = options;
  const expire = async (model: Model<any>, days: number) =>
    (await model.deleteMany({ day: { $in: daysBefore(daysAgo(now, days), lookbackDays) } })).deletedCount;
  return { processedEvents: await expire(ProcessedEventModel, processedEventsDays), parkedEvents: await expire(ParkedEventModel, parkedEventsDays) };
}

/** Runs the clean-up now and then every `intervalMs` (default hourly) until stopped; failures are logged and retried next time. */
export function startRetention(logger: Logger, options: RetentionOptions & { intervalMs?: number } = {}): () => void {
  const run = () =>
    deleteExpired(new Date(), options).then(
      (deleted) => (deleted.processedEvents + deleted.parkedEvents > 0 ? logger.info(deleted, 'retention: expired records deleted') : undefined),
      (error) => logger.warn({ err: error }, 'retention: clean-up failed; next run retries'),
    );
  void run();
  const timer = setInterval(run, options.intervalMs ?? 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
