import { randomUUID } from 'node:crypto';
import { isStoreUnavailable } from '@crm/messaging';
import type { BackgroundWorker } from '@crm/service-kit';
import type { Logger } from 'pino';
import { ImportJobModel, type ImportJobDoc } from './import-job.model';
import { runImport } from './import-run';

export interface ImportWorkerOptions {
  batchSize: number;
  maxRows: number;
  leaseMs: number;
  pollMs: number;
  logger: Logger;
}

/** A job that failed this many claims (not for the store being away or slow) is given up. */
const MAX_ATTEMPTS = 5;

/** The store away or over its time limit: waiting helps, giving the job up does not. */
const transient = (error: unknown) => isStoreUnavailable(error) || (error as { codeName?: unknown })?.codeName === 'MaxTimeMSExpired';

const wakers = new Set<() => void>();
/** startImport calls it: the worker of this process looks for the new job at once. */
export const wakeImportWorker = () => wakers.forEach((wake) => wake());

/**
 * Takes import jobs from the store one at a time, for every tenant: a QUEUED job, or a RUNNING
 * one whose holder's lease ran out (it crashed or stopped), which is resumed from its
 * checkpoint. Claims are single-document compare-and-sets, so two replicas never run one job.
 */
export function createImportWorker(options: ImportWorkerOptions): BackgroundWorker {
  const owner = randomUUID();
  const { logger } = options;
  let stopping = false;
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  const kick = () => wake?.();

  const lease = () => ({ leaseOwner: owner, leaseUntil: new Date(Date.now() + options.leaseMs) });
  const claim = async (): Promise<ImportJobDoc | null> => {
    const queued = await ImportJobModel.findOneAndUpdate(
      { status: 'QUEUED' },
      { $set: { status: 'RUNNING', startedAt: new Date(), ...lease() }, $inc: { attempt: 1 } },
      { returnDocument: 'after' },
    ).lean<ImportJobDoc>();
    if (queued) return queued;
    const now = Date.now();
    const stale = (await ImportJobModel.find({ status: 'RUNNING' }, { _id: 1, tenantId: 1, attempt: 1, leaseUntil: 1 }).limit(100).lean<ImportJobDoc[]>()).filter(
      (job) => !job.leaseUntil || job.leaseUntil.getTime() < now,
    );
    for (const job of stale) {
      const taken = await ImportJobModel.findOneAndUpdate(
        { _id: job._id, tenantId: job.tenantId, status: 'RUNNING', attempt: job.attempt },
        { $set: lease(), $inc: { attempt: 1 } },
        { returnDocument: 'after' },
      ).lean<ImportJobDoc>();
      if (taken) return taken;
    }
    return null;
  };

  const giveUp = (job: ImportJobDoc, error: unknown) =>
    ImportJobModel.updateOne(
      { _id: job._id, tenantId: job.tenantId, attempt: job.attempt },
      { $set: { status: 'FAILED', failure: 'The import failed repeatedly; see the service log', finishedAt: new Date(), leaseOwner: null, leaseUntil: null } },
    ).then(() => logger.error({ err: error, jobId: String(job._id) }, 'import given up'));

  const loop = async () => {
    while (!stopping) {
      let job: ImportJobDoc | null = null;
      try {
        job = await claim();
        if (job) {
          logger.info({ jobId: String(job._id), tenantId: job.tenantId, from: job.processed, attempt: job.attempt }, 'import claimed');
          await runImport(job, { ...options, stopping: () => stopping });
          continue;
        }
      } catch (error) {
        // The store away or slow: the job is taken again. Anything else counts as a failed attempt.
        if (job && !transient(error) && job.attempt >= MAX_ATTEMPTS) await giveUp(job, error).catch(() => undefined);
        else logger.warn({ err: error, jobId: job && String(job._id) }, 'import worker: will retry');
        if (job) await ImportJobModel.updateOne({ _id: job._id, tenantId: job.tenantId, attempt: job.attempt }, { $set: { leaseUntil: new Date(0) } }).catch(() => undefined);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  };

  return {
    start() {
      wakers.add(kick);
      running = loop();
    },
    async stop() {
      stopping = true;
      wakers.delete(kick);
      kick();
      await running;
    },
  };
}
