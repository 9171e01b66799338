import { daysAgo, daysBefore } from '@crm/messaging';
import type { BackgroundWorker } from '@crm/service-kit';
import type { Logger } from 'pino';
import { ExportModel } from '../export/export.model';
import { UploadChunkModel, UploadModel } from './upload.model';

/**
 * Deletes uploads (with their chunks) and export links made on days past the TTL: whole UTC days
 * by equality on the indexed `day` (no TTL index and no range from an index on the local store).
 * A file lives between `ttlHours` and `ttlHours` + 24 h; reads check `expiresAt` to the second.
 */
export async function deleteExpiredFiles(ttlHours: number, now = new Date()): Promise<{ uploads: number; exports: number }> {
  const days = daysBefore(daysAgo(now, ttlHours / 24), 366);
  await UploadChunkModel.deleteMany({ day: { $in: days } });
  const uploads = (await UploadModel.deleteMany({ day: { $in: days } })).deletedCount;
  const exports = (await ExportModel.deleteMany({ day: { $in: days } })).deletedCount;
  return { uploads, exports };
}

/** At start-up and then hourly. */
export function createFileCleanup(ttlHours: number, logger: Logger, intervalMs = 3_600_000): BackgroundWorker {
  let timer: NodeJS.Timeout | undefined;
  const run = () =>
    deleteExpiredFiles(ttlHours).then(
      (deleted) => (deleted.uploads + deleted.exports > 0 ? logger.info(deleted, 'expired uploads and exports deleted') : undefined),
      (error) => logger.warn({ err: error }, 'file clean-up failed; the next run retries'),
    );
  return {
    start() {
      void run();
      timer = setInterval(run, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
    },
  };
}
