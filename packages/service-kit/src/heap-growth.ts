import { setFlagsFromString } from 'node:v8';

/** Heap growth the services run with unless HEAP_GROWING_PERCENT says otherwise (0: V8's own). */
export const DEFAULT_HEAP_GROWING_PERCENT = 20;

/**
 * V8 lets the old generation grow to up to 4× what survived the last full collection when
 * allocation is fast. Under a sustained load (the bench's 10,000-deal seeding) that doubled a
 * service's RSS, from about 140 MB to 280 MB, though nothing leaked. Growing by at most 20%
 * kept each one under 160 MB with the same throughput; the price is more full collections, up
 * to 15% fewer rows per second in a CPU-bound import. Read before the service starts its work.
 * The gateway keeps V8's default: under 50 concurrent large queries it spent a third more CPU.
 */
export function limitHeapGrowth(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.HEAP_GROWING_PERCENT?.trim();
  const percent = text ? Number(text) : DEFAULT_HEAP_GROWING_PERCENT;
  if (!Number.isInteger(percent) || percent < 0 || percent > 400) {
    throw new Error(`HEAP_GROWING_PERCENT must be a whole number from 0 to 400 (got "${text}")`);
  }
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}
