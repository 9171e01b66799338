/*
 * The stamp, fence and grace rules of counters moved once per token (`applied.<token>` on the
 * counters document), shared by the deal facts' counters (`deal_counters`, counter-writes.ts) and
 * the pipeline funnel's (`funnel_counts`, funnel/funnel.projection.ts). A token is all that tells
 * a repeat from a first time, and it is removed once its claim is confirmed: a writer that stalled
 * (a GC or VM pause, a process frozen past its consumer session) after making or reading a claim,
 * while another writer finished it, would find the token gone and apply the move again. So:
 * - a claim carries its stamp (ms of `counterClock`), written with the claim itself;
 * - a confirmed move's token stays until its stamp is older than the grace period G
 *   (`DEAL_COUNTER_GRACE_MS`), then goes with the document's next write (or, when it stays idle,
 *   the sweep's write of the removal alone), which raises the document's `fence` to the stamp
 *   ($max): ConfirmedTokens;
 * - every counter write requires in its filter its tokens absent and the fence below its stamps
 *   (fenceBelow); right before it, a move whose stamp is older than G/2 is given up, without a write
 *   (tooOld). A move given up, or refused (neither its token there nor room above the fence:
 *   refusalOf), fails with a StaleMoveError;
 * - then the claim is read again: confirmed, nothing is left; still pending, it takes a new stamp
 *   (compare-and-set on the old one; above it and above the fence met: newStamp) and its moves go
 *   again, each only where its token is absent (the tokens of a claim not confirmed are never
 *   removed). A claim read older than G/4, or without a stamp, is stamped anew the same way first
 *   (needsStamp);
 * - a confirmation requires the stamp it applied under, and only the writer whose confirmation
 *   matched forgets the tokens, under that stamp: the claim's latest (its stamps only grow, each a
 *   compare-and-set while it is pending), so the fence is at least every stamp any writer of it holds.
 * Once a token is gone, the fence refuses every writer of its claim, however long it stalled (also
 * between its check and its write) and whatever its clock. G spares legitimate moves a refusal (a
 * claim's moves land within G/2, as a rule in milliseconds) and bounds how long tokens stay.
 */

/** The clock of claim stamps and of the grace period. A test seam: only tests replace `now`. */
export const counterClock = { now: (): number => Date.now() };

let graceMs = 10_000;
/** The grace period G (`DEAL_COUNTER_GRACE_MS`, set at start). */
export const counterGrace = () => graceMs;
export function setCounterGrace(ms: number): void {
  if (!(ms > 0)) throw new Error('the counter grace period must be positive');
  graceMs = ms;
}

/** A move not written: its claim is older than G/2, or a fence is at or above its stamp. `above`: a stamp that clears the fence met (0: none met). */
export class StaleMoveError extends Error {
  constructor(
    readonly token: string,
    readonly above: number,
  ) {
    super(`counter move ${token}: its claim is stale, read it again`);
  }
}

/** The rule right before a write: a move whose claim is older than G/2 is not written. */
export const tooOld = (stamp: number) => counterClock.now() - stamp > graceMs / 2;

/** A claim to stamp anew before its moves: none yet (written before stamps), older than G/4, or below a fence one of its moves met (`floor`). */
export const needsStamp = (stamp: number | null | undefined, floor: number) => stamp === undefined || stamp === null || stamp < floor || counterClock.now() - stamp > graceMs / 4;

/** A claim's next stamp: now, above its current one and at least `floor` (a stamp that clears the fence met). */
export const newStamp = (stamp: number | null | undefined, floor: number) => Math.max(counterClock.now(), (stamp ?? 0) + 1, floor);

/** A write's filter part: the fence below every stamp of its moves (missing: no token removed there yet). */
export const fenceBelow = (stamps: readonly number[]) => ({ fence: { $not: { $gte: Math.min(...stamps) } } });

/**
 * Why a move's write matched nothing, from the document read then: null when its token is there
 * (applied before), else the refusal, with a stamp that clears the fence met.
 */
export function refusalOf(token: string, doc: { applied?: Record<string, unknown>; fence?: number } | null): StaleMoveError | null {
  if (doc?.applied?.[token]) return null;
  return new StaleMoveError(token, typeof doc?.fence === 'number' ? doc.fence + 1 : 0);
}

/** A confirmed move's token, with the stamp its claim was confirmed under. */
export interface Confirmed {
  token: string;
  stamp: number;
}

/** The part of an update that removes confirmed tokens and raises the fence to their stamps. */
export interface Removal {
  $unset: Record<string, ''>;
  $max: { fence: number };
}
export const removalOf = (confirmed: readonly Confirmed[]): Removal => ({
  $unset: Object.fromEntries(confirmed.map(({ token }) => [`applied.${token}`, ''] as const)),
  $max: { fence: Math.max(...confirmed.map(({ stamp }) => stamp)) },
});

/** The removal-only write of one document's tokens (the sweep's): its id, tenant and the update's part. */
export type RemovalWrite = (documentId: string, tenantId: string, removal: Removal) => Promise<unknown>;

/**
 * Tokens of confirmed moves, per counters document, in the order confirmed, that this process's
 * writes of that document remove (beside their $inc) once their stamp is older than G: no write of
 * their own. A document that stays idle has them removed by `sweep`, one removal-only write, so
 * it does not carry them (read and rewritten whole) until its next move, nor hand that move the
 * whole backlog. One a restart leaves behind is harmless: token ids never repeat. Past
 * `maxDocuments` documents `remember` refuses, and the caller removes the token at once (a write of
 * its own, with removalOf: safe, but a move of an older claim still on its way there is then
 * refused and goes again under a new stamp).
 */
export class ConfirmedTokens {
  private readonly byDocument = new Map<string, { tenantId: string; tokens: Confirmed[]; wroteAt: number }>();

  constructor(
    private readonly maxDocuments = 20_000,
    /** At most this many tokens removed by one write (the rest by the next): a write's cost stays bounded after a burst. */
    private readonly maxPerWrite = 100,
  ) {}

  /** Remembers a confirmed move's token for the document's writes; false: remove it now. */
  remember(documentId: string, tenantId: string, confirmed: Confirmed): boolean {
    const entry = this.byDocument.get(documentId);
    if (entry) entry.tokens.push(confirmed);
    else if (this.byDocument.size < this.maxDocuments) this.byDocument.set(documentId, { tenantId, tokens: [confirmed], wroteAt: counterClock.now() });
    else return false;
    return true;
  }

  /**
   * Runs a write of the document with the removal of its confirmed tokens past the grace period
   * (but those of `own`, which the write sets): `write` gets the update's part that removes them,
   * null when none. Unless it returns true, the tokens stay for the next write.
   */
  async writeWith(documentId: string, own: ReadonlySet<string>, write: (removal: Removal | null) => Promise<boolean>): Promise<boolean> {
    const entry = this.byDocument.get(documentId);
    if (entry) entry.wroteAt = counterClock.now();
    const taken = this.take(documentId, own);
    let wrote = false;
    try {
      wrote = await write(taken && removalOf(taken));
      return wrote;
    } finally {
      if (!wrote && taken) this.putBack(documentId, entry!.tenantId, taken);
    }
  }

  /**
   * Removes the tokens past the grace period of the documents that no write of this process
   * touched for `idleMs`, with `removeNow` (a document still written to has them removed by its
   * writes). An idle document is drained, one write of at most `maxPerWrite` after another, so a
   * burst's backlog is gone in one round instead of one write a round; a move of the document
   * meanwhile ends its drain. At most `limit` writes; returns how many it made.
   */
  async sweep(idleMs: number, limit: number, removeNow: RemovalWrite): Promise<number> {
    const quietSince = counterClock.now() - idleMs;
    const idle = (documentId: string) => (this.byDocument.get(documentId)?.wroteAt ?? Infinity) <= quietSince;
    let written = 0;
    for (const [documentId, { tenantId }] of [...this.byDocument]) {
      while (written < limit && idle(documentId)) {
        // Not a write of the document when nothing is due: it stays as idle as it was.
        const taken = this.take(documentId, new Set());
        if (!taken) break;
        try {
          await removeNow(documentId, tenantId, removalOf(taken));
        } catch (error) {
          this.putBack(documentId, tenantId, taken);
          throw error;
        }
        written += 1;
      }
      if (written >= limit) break;
    }
    return written;
  }

  /** The document's confirmed tokens past the grace period, oldest first, up to the first that is not (and but those `own` sets). */
  private take(documentId: string, own: ReadonlySet<string>): Confirmed[] | null {
    const entry = this.byDocument.get(documentId);
    if (!entry) return null;
    const { tokens } = entry;
    const before = counterClock.now() - graceMs;
    const taken: Confirmed[] = [];
    const kept: Confirmed[] = [];
    let at = 0;
    for (; at < tokens.length && taken.length < this.maxPerWrite && tokens[at]!.stamp < before; at += 1) (own.has(tokens[at]!.token) ? kept : taken).push(tokens[at]!);
    if (taken.length === 0) return null;
    const rest = [...kept, ...tokens.slice(at)];
    if (rest.length > 0) entry.tokens = rest;
    else this.byDocument.delete(documentId);
    return taken;
  }

  /** Tokens a write did not remove after all, first again. */
  private putBack(documentId: string, tenantId: string, tokens: Confirmed[]): void {
    const entry = this.byDocument.get(documentId);
    if (entry) entry.tokens = [...tokens, ...entry.tokens];
    else this.byDocument.set(documentId, { tenantId, tokens, wroteAt: counterClock.now() });
  }
}
