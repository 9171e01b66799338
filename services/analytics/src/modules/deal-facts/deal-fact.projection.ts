import { isDuplicateKey, PermanentEventError } from '@crm/messaging';
import { CompanyFactModel } from '../company-facts/company-fact.model';
import { fieldKey, loadContributions, movesBetween, storeContributions } from './contributions';
import { applyMoves, forgetToken } from './counter-writes';
import { DealFactModel, type DealFactDoc, type SpanWrite } from './deal-fact.model';
import { reduceDealEvent, type DealEvent, type EventInfo, type FactState, type Lookups, type Reduced } from './deal-fact.reduce';
import { contributionsOf } from './fact-contributions';
import { StageSpanModel } from './stage-span.model';

/*
 * Deal facts and their counters, incremental and exact under repeats and replays. Per change:
 *
 * 1. The fact (`deal_facts`, id = deal id) takes its new state and, in the same write, claims
 *    the counter move: `pending` = {rev, the fact's new contributions, the stage spans to write},
 *    while `counted` keeps what the counters hold. Compare-and-set on `rev` and `pending: null`.
 * 2. Each counters document the move touches ($inc of the difference) is updated only where
 *    the move's token (`<deal>#<rev>`) is not in `applied`, setting it in the same update.
 *    The spans are upserted by their deterministic ids.
 * 3. The fact confirms (`counted` = the new contributions, `pending` = null); its tokens go
 *    with the next move of each counters document (below).
 *
 * A crash after 1 leaves `pending`: the next event of the deal (or its redelivery) finishes it
 * first. A crash after 2 leaves tokens: re-applying matches nothing. The cost per event is a few
 * single-document writes by key, whatever the number of deals. Within a process the changes of
 * one deal run one after another (its events from the deals topic and company refreshes).
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

export const stateOf = ({ rev: _rev, counted: _counted, pending: _pending, ...state }: DealFactDoc): FactState => state;

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
  // Each round either writes or finds that a concurrent writer did: a few rounds at most.
  for (let round = 0; round < 10; round += 1) {
    const fact = await DealFactModel.findOne({ _id: dealId, tenantId }).lean<DealFactDoc>();
    if (fact?.pending) {
      await finish(fact);
      continue;
    }
    const reduced = await change(fact ? stateOf(fact) : null);
    if (!reduced) return;
    const next = await claim(tenantId, dealId, fact, reduced);
    if (!next) continue;
    await finish(next);
    return;
  }
  throw new Error(`deal ${dealId}: its fact did not settle`); // retried by the consumer
}

/**
 * Writes the fact's new state and, in the same write, claims its counter move (`pending`): an
 * insert for a new fact, else a compare-and-set on `rev` with nothing pending. Null when another
 * writer came first (read the fact again); another tenant's id is a permanent error.
 */
export async function claim(tenantId: string, dealId: string, fact: DealFactDoc | null, reduced: Reduced): Promise<DealFactDoc | null> {
  const rev = (fact?.rev ?? 0) + 1;
  const pending = { rev, to: storeContributions(contributionsOf(reduced.state)), spans: reduced.spans };
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

export const finish = (fact: DealFactDoc): Promise<void> => finishAll([fact]);

/**
 * Finishes claimed moves (steps 2 and 3 above) of several deals at once: their counter moves go
 * out together, so a counters document they share takes one write for all of them (a batch's
 * deals of one pipeline all move its counters), then each fact confirms.
 */
export async function finishAll(facts: readonly DealFactDoc[]): Promise<void> {
  const claimed = facts.map((fact) => {
    const { rev, to, spans } = fact.pending!;
    return { fact, rev, to, spans, token: tokenOf(fact._id, rev), moves: movesBetween(fact.tenantId, loadContributions(fact.counted ?? []), loadContributions(to)) };
  });
  await Promise.all([
    applyMoves(claimed.flatMap(({ fact, moves, token }) => moves.map((move) => ({ tenantId: fact.tenantId, move, token })))),
    ...claimed.map(({ fact, spans }) => writeSpans(fact, spans)),
  ]);
  await Promise.all(claimed.map(({ fact, rev, to }) => DealFactModel.updateOne({ _id: fact._id, tenantId: fact.tenantId, 'pending.rev': rev }, { $set: { counted: to, pending: null } })));
  // The facts are confirmed: their tokens may go, with the next move of each counter (one write less each).
  await Promise.all(claimed.map(({ fact, moves, token }) => forgetToken(fact.tenantId, moves, token)));
}

async function writeSpans(fact: DealFactDoc, spans: SpanWrite[]): Promise<void> {
  await Promise.all(
    spans.map((span) =>
      StageSpanModel.updateOne(
        { _id: span._id, tenantId: fact.tenantId },
        {
          $set: {
            pipelineId: fact.pipelineId,
            dealId: fact._id,
            stageId: span.stageId,
            enteredAt: span.enteredAt,
            leftAt: span.leftAt,
            days: span.leftAt ? (new Date(span.leftAt).getTime() - new Date(span.enteredAt).getTime()) / 86_400_000 : null,
          },
        },
        { upsert: true },
      ),
    ),
  );
}
