import { isDuplicateKey, PermanentEventError } from '@crm/messaging';
import { CompanyFactModel } from '../company-facts/company-fact.model';
import { fieldKey, loadContributions, movesBetween, storeContributions, type StoredContribution } from './contributions';
import { counterClock, needsStamp, newStamp, StaleMoveError } from './counter-fence';
import { forgetToken, moveEach } from './counter-writes';
import { DealFactModel, type DealFactDoc, type SpanWrite } from './deal-fact.model';
import { reduceDealEvent, type DealEvent, type EventInfo, type FactState, type Lookups, type Reduced } from './deal-fact.reduce';
import { contributionsOf } from './fact-contributions';
import { StageSpanModel } from './stage-span.model';

/*
 * Deal facts and their counters, incremental and exact under repeats and replays. Per change:
 *
 * 1. The fact (`deal_facts`, id = deal id) takes its new state and, in the same write, claims
 *    the counter move: `pending` = {rev, its stamp `at`, the fact's new contributions, the stage
 *    spans to write}, while `counted` keeps what the counters hold. Compare-and-set on `rev` and
 *    `pending: null`.
 * 2. Each counters document the move touches ($inc of the difference) is updated only where
 *    the move's token (`<deal>#<rev>`) is not in `applied` and its fence is below the stamp,
 *    setting the token in the same update. The spans are upserted by their deterministic ids,
 *    where no later claim wrote them.
 * 3. The fact confirms (`counted` = the new contributions, `pending` = null) where the claim still
 *    has that stamp; its tokens go with a later move of each counters document, once the grace
 *    period has passed (counter-writes.ts).
 *
 * A crash after 1 leaves `pending`: the next event of the deal (or its redelivery) finishes it
 * first. A crash after 2 leaves tokens: re-applying matches nothing. A writer that stalls anywhere
 * in 2 while another finishes the claim is refused once it goes on (counter-fence.ts: the claim's
 * age, then the document's fence), reads the fact again and finds it confirmed. The cost per event
 * is a few single-document writes by key, whatever the number of deals. Within a process the
 * changes of one deal run one after another (its events from the deals topic and company refreshes).
 */

const queues = new Map<string, Promise<unknown>>();
/** Runs `work` once the work queued before on every one of `keys` is done; later work on them waits for it. */
export function serializedAll<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
  const result = Promise.all(keys.map((key) => queues.get(key))).then(work);
  const tail = result.catch(() => undefined);
  for (const key of keys) queues.set(key, tail);
  void tail.then(() => {
    for (const key of keys) if (queues.get(key) === tail) queues.delete(key);
  });
  return result;
}

export const stateOf = ({ rev: _rev, counted: _counted, pending: _pending, confirmed: _confirmed, ...state }: DealFactDoc): FactState => state;

/** The company's industry, as far as its events were processed (a later change refreshes the fact). */
async function lookupsFor(tenantId: string, companyId: string | null): Promise<Lookups> {
  const company = companyId ? await CompanyFactModel.findOne({ _id: companyId, tenantId }, { industry: 1 }).lean() : null;
  return { industry: company?.industry ?? null };
}

/** Applies one deals event to its deal's fact and the counters. */
export const projectDealEvent = (event: DealEvent, info: EventInfo): Promise<void> => serializedAll([event.data.dealId], () => projectDealEventNow(event, info));

/** projectDealEvent, for a caller that holds the deal's turn (serializedAll). */
export function projectDealEventNow(event: DealEvent, info: EventInfo): Promise<void> {
  const companyId = companyIdOf(event);
  return changeFact(info.tenantId, event.data.dealId, async (fact) => {
    const lookups = await lookupsFor(info.tenantId, fact?.companyId ?? companyId);
    return reduceDealEvent(fact, event, info, lookups);
  });
}

export const companyIdOf = (event: DealEvent): string | null => ('companyId' in event.data ? (event.data.companyId ?? null) : null);

/** Sets a deal's industry (its company's changed) and moves its counters. */
export const refreshIndustry = (tenantId: string, dealId: string, industry: string | null) =>
  serializedAll([dealId], () => changeFact(tenantId, dealId, async (fact) => (fact && fact.industry !== industry ? { state: { ...fact, industry }, spans: [] } : null)));

/** Reads the fact, finishes a pending move, applies `change` with compare-and-set, moves the counters (the caller holds the deal's turn). */
async function changeFact(tenantId: string, dealId: string, change: (fact: FactState | null) => Promise<Reduced | null>): Promise<void> {
  // A stamp the claim needs to clear the fence a refused move met (see finishAll).
  let floor = 0;
  // Each round either writes or finds that a concurrent writer did: a few rounds at most.
  for (let round = 0; round < 10; round += 1) {
    const fact = await DealFactModel.findOne({ _id: dealId, tenantId }).lean<DealFactDoc>();
    if (fact?.pending) {
      floor = Math.max(floor, (await finishAll([fact], floor)).get(dealId) ?? 0);
      continue;
    }
    const reduced = await change(fact ? stateOf(fact) : null);
    if (!reduced) return;
    const next = await claim(tenantId, dealId, fact, reduced, floor);
    if (!next) continue;
    const stale = (await finishAll([next], floor)).get(dealId);
    if (stale === undefined) return;
    // Refused (this writer stalled, see counter-writes.ts): the fact read again tells what is left.
    floor = Math.max(floor, stale);
  }
  throw new Error(`deal ${dealId}: its fact did not settle`); // retried by the consumer
}

/**
 * Writes the fact's new state and, in the same write, claims its counter move (`pending`): an
 * insert for a new fact, else a compare-and-set on `rev` with nothing pending. Null when another
 * writer came first (read the fact again); another tenant's id is a permanent error.
 */
export async function claim(tenantId: string, dealId: string, fact: DealFactDoc | null, reduced: Reduced, floor = 0): Promise<DealFactDoc | null> {
  const rev = (fact?.rev ?? 0) + 1;
  const pending = { rev, at: Math.max(counterClock.now(), floor), to: storeContributions(contributionsOf(reduced.state)), spans: reduced.spans };
  const next: DealFactDoc = { ...reduced.state, _id: dealId, tenantId, rev, counted: fact?.counted ?? [], pending };
  if (!fact) {
    try {
      await DealFactModel.collection.insertOne(next as never);
      return next;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      if (await DealFactModel.exists({ _id: dealId, tenantId })) return null; // a concurrent first event: apply ours to it
      throw new PermanentEventError(`deal ${dealId} belongs to another tenant`);
    }
  }
  const { _id, ...fields } = next;
  const written = await DealFactModel.updateOne({ _id, tenantId, rev: fact.rev, pending: null }, { $set: fields });
  return written.matchedCount === 0 ? null : next;
}

export const tokenOf = (dealId: string, rev: number) => fieldKey(`${dealId}#${rev}`);

/** Finishes a claimed move (the recovery path: a claim read on the fact), the way finishAll does. */
export const finish = (fact: DealFactDoc): Promise<void> => finishAll([fact]).then(() => undefined);

/** Test seams: a hold right before a claim's counter moves, or before its confirmation (a stalled writer). Only tests set them. */
export const finishSeams: { beforeMoves?: (facts: readonly DealFactDoc[]) => Promise<void>; beforeConfirm?: (facts: readonly DealFactDoc[]) => Promise<void> } = {};

/** The claim with a new stamp (above its old one and `floor`), or null when it changed meanwhile (confirmed or stamped by another writer). */
async function restamp(fact: DealFactDoc, floor: number): Promise<DealFactDoc | null> {
  const { rev, at } = fact.pending!;
  const stamp = newStamp(at, floor);
  const written = await DealFactModel.updateOne({ _id: fact._id, tenantId: fact.tenantId, 'pending.rev': rev, 'pending.at': at ?? null }, { $set: { 'pending.at': stamp } });
  return written.matchedCount === 0 ? null : { ...fact, pending: { ...fact.pending!, at: stamp } };
}

/**
 * Finishes claimed moves (steps 2 and 3 above) of several deals at once: their counter moves go
 * out together, so a counters document they share takes one write for all of them (a batch's
 * deals of one pipeline all move its counters), then each fact whose moves all landed confirms.
 * A claim found old is stamped anew first (one write, only then; one that changed meanwhile is
 * left to the writer that changed it). Returns the deals whose moves were refused as stale, each
 * with a stamp its claim needs (0: any new one): read the fact again (so is a claim that changed meanwhile).
 */
export async function finishAll(facts: readonly DealFactDoc[], floor = 0): Promise<Map<string, number>> {
  const stale = new Map<string, number>();
  const stamped = await Promise.all(facts.map((fact) => (needsStamp(fact.pending!.at, floor) ? restamp(fact, floor) : fact)));
  facts.forEach((fact, index) => stamped[index] === null && stale.set(fact._id, 0));
  const current = stamped.filter((fact): fact is DealFactDoc => fact !== null);
  await finishSeams.beforeMoves?.(current);
  const claimed = current.map((fact) => {
    const { rev, at, to, spans } = fact.pending!;
    return { fact, rev, stamp: at!, to, spans, token: tokenOf(fact._id, rev), moves: movesBetween(fact.tenantId, loadContributions(fact.counted ?? []), loadContributions(to)) };
  });
  const outcomes = moveEach(claimed.flatMap(({ fact, moves, token, stamp }) => moves.map((move) => ({ tenantId: fact.tenantId, move, token, stamp }))));
  const spansWritten = writeSpansTogether(claimed);
  const failures: unknown[] = [];
  let next = 0;
  const own = claimed.map(({ moves }) => outcomes.slice(next, (next += moves.length)));
  const landed = await Promise.all(
    claimed.map(async (claim, index) => {
      const results = await Promise.allSettled([...own[index]!, spansWritten[index]!]);
      const errors = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
      if (errors.length === 0) return claim;
      if (errors.every((error) => error instanceof StaleMoveError)) stale.set(claim.fact._id, Math.max(...errors.map((error) => (error as StaleMoveError).above)));
      else failures.push(errors.find((error) => !(error instanceof StaleMoveError)));
      return null; // not confirmed: what is left is finished from the fact
    }),
  );
  const ready = landed.filter((claim): claim is (typeof claimed)[number] => claim !== null);
  await finishSeams.beforeConfirm?.(ready.map(({ fact }) => fact));
  const confirmed = await confirmAll(ready);
  // Confirmed under the claim's latest stamp: its tokens may go, past the grace period, with a
  // later move of each counter (one write less each). Not matched: another writer confirmed it
  // or stamped it anew, and forgets the tokens under its stamp (the fence must cover it).
  await Promise.all(ready.map(({ fact, moves, token, stamp }, index) => (confirmed[index] ? forgetToken(fact.tenantId, moves, token, stamp) : undefined)));
  if (failures.length > 0) throw failures[0];
  return stale;
}

/**
 * Confirms claims whose moves all landed (`counted` = the new contributions, `pending` = null)
 * where each claim still has its stamp, in one bulk write; whether each one matched. When the
 * bulk matched fewer than all, the facts tell which ones it confirmed: `confirmed` names the
 * claim (rev and stamp) whose confirmation wrote them. One that a later claim changed meanwhile
 * counts as not confirmed here, so its tokens are not forgotten by this writer: they stay, which
 * costs room in the counters documents, never a count.
 */
async function confirmAll(claims: readonly { fact: DealFactDoc; rev: number; stamp: number; to: StoredContribution[] }[]): Promise<boolean[]> {
  const write = ({ fact, rev, stamp, to }: (typeof claims)[number]) => ({
    filter: { _id: fact._id, tenantId: fact.tenantId, 'pending.rev': rev, 'pending.at': stamp },
    update: { $set: { counted: to, pending: null, confirmed: { rev, at: stamp } } },
  });
  if (claims.length === 0) return [];
  const result = await DealFactModel.bulkWrite(
    claims.map((claim) => ({ updateOne: write(claim) })),
    { ordered: false },
  );
  if (result.matchedCount === claims.length) return claims.map(() => true);
  const facts = new Map<string, DealFactDoc>();
  for (const [tenantId, group] of Map.groupBy(claims, ({ fact }) => fact.tenantId)) {
    const ids = group.map(({ fact }) => fact._id);
    for (const fact of await DealFactModel.find({ tenantId, _id: { $in: ids } }, { confirmed: 1 }).lean<DealFactDoc[]>()) facts.set(fact._id, fact);
  }
  return claims.map(({ fact, rev, stamp }) => {
    const last = facts.get(fact._id)?.confirmed;
    return last?.rev === rev && last.at === stamp;
  });
}

/** A span's write: where no later claim wrote it (a stalled writer's late write changes nothing). */
function spanWrite(fact: DealFactDoc, rev: number, span: SpanWrite) {
  const filter = { _id: span._id, tenantId: fact.tenantId, rev: { $not: { $gt: rev } } };
  const update = {
    $set: {
      pipelineId: fact.pipelineId,
      dealId: fact._id,
      stageId: span.stageId,
      enteredAt: span.enteredAt,
      leftAt: span.leftAt,
      days: span.leftAt ? (new Date(span.leftAt).getTime() - new Date(span.enteredAt).getTime()) / 86_400_000 : null,
      rev,
    },
  };
  return { filter, update };
}

/**
 * The stage spans of several claims in one bulk write (one store command instead of one per
 * span: a stage change closes one span and opens another). One outcome per claim. The writes are
 * idempotent, so when the bulk fails in any way (a span a later claim wrote refuses its upsert
 * as a duplicate; the local store then stops at that statement) each claim's spans are written
 * again one by one, which tells that case apart.
 */
function writeSpansTogether(claims: readonly { fact: DealFactDoc; rev: number; spans: SpanWrite[] }[]): Promise<void>[] {
  const operations = claims.flatMap(({ fact, rev, spans }) => spans.map((span) => ({ updateOne: { ...spanWrite(fact, rev, span), upsert: true } })));
  if (operations.length === 0) return claims.map(() => Promise.resolve());
  const bulk = StageSpanModel.bulkWrite(operations, { ordered: false }).then(
    () => true,
    () => false,
  );
  return claims.map(({ fact, rev, spans }) => bulk.then((written) => (written ? undefined : writeSpans(fact, rev, spans))));
}

/** A claim's stage spans, one write each (see spanWrite). */
async function writeSpans(fact: DealFactDoc, rev: number, spans: SpanWrite[]): Promise<void> {
  await Promise.all(
    spans.map(async (span) => {
      const { filter, update } = spanWrite(fact, rev, span);
      try {
        await StageSpanModel.updateOne(filter, update, { upsert: true });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Written by a later claim (the filter excluded it), or two first writes raced to insert it: once more as an update.
        await StageSpanModel.updateOne(filter, update);
      }
    }),
  );
}
