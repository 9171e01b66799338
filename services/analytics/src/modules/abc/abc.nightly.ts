import { isDuplicateKey } from '@crm/messaging';
import type { BackgroundWorker } from '@crm/service-kit';
import type { Logger } from 'pino';
import { dayOf } from '../fact-counters/periods';
import { AbcTenantModel } from './abc.models';
import { runAbcAnalysis } from './abc.run';

/** Tenants registered by this process already: one upsert per tenant and process, not per event. */
const known = new Set<string>();

/** Registers a tenant for the nightly run (called by the revenue facts' consumers). */
export async function rememberTenant(tenantId: string): Promise<void> {
  if (known.has(tenantId)) return;
  await AbcTenantModel.updateOne({ _id: tenantId, tenantId }, { $setOnInsert: { all: true, lastNightlyDay: null } }, { upsert: true }).catch((error: unknown) => {
    // Two consumers registering the same tenant at once: the other insert won, which is all we need.
    if (!isDuplicateKey(error)) throw error;
  });
  known.add(tenantId);
}

/**
 * "Revenue over the last 12 months" of the ABC class (the domain's words): the 12 whole UTC
 * months before the current one, [the 1st 12 months back, the 1st of this month). The counters
 * are per month, so a period ending now would touch 13 of them; the current month, still
 * running, counts once it is complete. So every run weighs one full year, whatever the day.
 */
export function lastTwelveMonths(now: Date): { from: Date; to: Date } {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 12, 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return { from, to };
}

/**
 * Runs the ABC analysis of the last 12 whole months (won deals) for every tenant not yet run today.
 * Each tenant's day is claimed first by a conditional write, so two instances (or two ticks)
 * run it once. A run that fails after its claim is not retried that day: the next night's is.
 * Returns the tenants this call ran.
 */
export async function runNightlyAbc(now: Date, logger: Logger): Promise<string[]> {
  const day = dayOf(now);
  const ran: string[] = [];
  for await (const tenant of AbcTenantModel.find({ all: true }, { _id: 1 }).lean().cursor()) {
    const claimed = await AbcTenantModel.updateOne({ _id: tenant._id, tenantId: tenant._id, lastNightlyDay: { $ne: day } }, { $set: { lastNightlyDay: day } });
    if (claimed.modifiedCount !== 1) continue;
    const { from, to } = lastTwelveMonths(now);
    try {
      const { changed } = await runAbcAnalysis({ tenantId: tenant._id }, from, to, 'WON_DEALS');
      logger.info({ tenantId: tenant._id, changed }, 'nightly ABC analysis done');
      ran.push(tenant._id);
    } catch (error) {
      logger.error({ err: error, tenantId: tenant._id }, 'nightly ABC analysis failed; the next night runs it again');
    }
  }
  return ran;
}

/** Checks every `checkMs` whether the nightly hour has come; the per-day claims do the rest. */
export function nightlyAbcWorker(hourUtc: number, checkMs: number, logger: Logger): BackgroundWorker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    const now = new Date();
    if (now.getUTCHours() < hourUtc) return;
    running = running.then(() => runNightlyAbc(now, logger)).catch((error: unknown) => logger.warn({ err: error }, 'nightly ABC check failed; retried at the next check'));
  };
  return {
    start() {
      if (checkMs > 0) timer = setInterval(tick, checkMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
