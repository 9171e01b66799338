import { createPollingWorker, type BackgroundWorker, type Logger } from '@crm/service-kit';
import { sweepFunnelTokens } from '../funnel/funnel.projection';
import { counterGrace } from './counter-fence';
import { sweepCounterTokens } from './counter-writes';

/** Sweep writes per round and kind of counters, at most (a full round goes on at once). */
const SWEEP_LIMIT = 200;

/**
 * Every G/4, the confirmed tokens past the grace period of counters documents that no move of this
 * process touched for as long are removed by writes of their own, each document drained in one
 * round (counter-fence.ts). So a pipeline's funnel counters, read by every funnel query, shrink
 * back once it is quiet, and the first moves after a burst do not carry the burst's tokens away.
 */
export function tokenSweepWorker(logger: Logger): BackgroundWorker {
  const idleMs = counterGrace() / 4;
  return createPollingWorker({
    what: 'counter token sweep',
    logger,
    intervalMs: idleMs,
    pollAtStart: false,
    batch: SWEEP_LIMIT,
    poll: async () => Math.max(await sweepFunnelTokens(idleMs, SWEEP_LIMIT), await sweepCounterTokens(idleMs, SWEEP_LIMIT)),
  });
}
