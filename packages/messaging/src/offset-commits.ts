import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';

export type Offsets = { topic: string; partition: number; offset: string }[];

/**
 * A consumer's handled offsets, committed at most every `intervalMs` instead of after every
 * fetched batch (kafkajs's way with autoCommit). A consumer that keeps up fetches small batches,
 * so it sent one OffsetCommit per batch: more requests than its fetches (measured in the slice
 * bench), each a write to the broker's offsets log. Committing later only widens what a crash
 * or a rebalance delivers again, which every consumer already takes (processed records,
 * idempotent handlers).
 */
export interface OffsetCommits {
  /** The offset's message is handled (or parked): its successor is where the group resumes. */
  handled(topic: string, partition: number, offset: string): void;
  /** Commits what is handled and not committed yet, through `commit` (a member of the group's current generation). */
  flush(commit: (offsets: Offsets) => Promise<void>): Promise<void>;
  /** Flushes through `consumer` every `intervalMs` while it runs. */
  start(consumer: Consumer): void;
  /** Stops the timer and forgets what is pending (a new member resumes from the last commit). */
  reset(): void;
}

const keyOf = ({ topic, partition }: { topic: string; partition: number }) => `${topic}:${partition}`;

export function offsetCommits(intervalMs: number, log: Logger): OffsetCommits {
  const pending = new Map<string, Offsets[number]>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  /** Raised by reset(): a commit that fails after it belongs to a former member. */
  let resets = 0;

  async function flush(commit: (offsets: Offsets) => Promise<void>): Promise<void> {
    // One commit at a time: a later flush waits, then commits what came meanwhile.
    while (flushing) await flushing;
    if (pending.size === 0) return;
    const offsets = [...pending.values()];
    const resetsBefore = resets;
    pending.clear();
    flushing = commit(offsets)
      .catch((error: unknown) => {
        // Tried again with the next flush unless a later offset came meanwhile. A rebalance refuses a
        // former generation's commit; a later one at most delivers those events again (at least once).
        if (resets === resetsBefore) for (const entry of offsets) if (!pending.has(keyOf(entry))) pending.set(keyOf(entry), entry);
        log.debug({ err: error, partitions: offsets.length }, 'offset commit failed; kept for the next flush');
      })
      .finally(() => {
        flushing = undefined;
      });
    await flushing;
  }

  return {
    handled(topic, partition, offset) {
      pending.set(keyOf({ topic, partition }), { topic, partition, offset: (BigInt(offset) + 1n).toString() });
    },
    flush,
    start(consumer) {
      clearInterval(timer);
      timer = setInterval(() => void flush((offsets) => consumer.commitOffsets(offsets)), intervalMs);
      timer.unref();
    },
    reset() {
      resets += 1;
      clearInterval(timer);
      timer = undefined;
      pending.clear();
    },
  };
}
