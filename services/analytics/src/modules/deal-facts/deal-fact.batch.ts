import { CompanyFactModel } from '../company-facts/company-fact.model';
import { byRecord, type RecordItems } from '../fact-counters/by-record';
import { claim, companyIdOf, finishAll, projectDealEventNow, serializedAll, stateOf } from './deal-fact.projection';
import { DealFactModel, type DealFactDoc, type SpanWrite } from './deal-fact.model';
import { reduceDealEvent, type DealEvent, type EventInfo, type FactState } from './deal-fact.reduce';

/*
 * A fetched batch of deals events, projected with the writes of one change per deal instead of
 * one per event: the deals' facts and their companies are read at once, each deal's events are
 * folded in order by the same rules (reduceDealEvent), and each deal that changed makes one
 * claim, one counter move and one confirmation, exactly as deal-fact.projection.ts describes for
 * a single event. The counter moves of all the batch's deals go out together, once every deal has
 * claimed, so the moves of one counters document share its write (counter-writes.ts). The
 * result equals projecting the events one by one: the fold applies the same rules in the same
 * order, and the counters move from what they hold to the deal's final contributions.
 */

export interface DealItem {
  event: DealEvent;
  info: EventInfo;
}

/** A deal's events in the batch (`id`: the deal's). */
type DealBatch = RecordItems<DealItem>;

/** The facts of the batch's deals, by deal id: one read per tenant. */
async function readFacts(deals: readonly DealBatch[]): Promise<Map<string, DealFactDoc>> {
  const facts = new Map<string, DealFactDoc>();
  for (const [tenantId, group] of Map.groupBy(deals, (deal) => deal.tenantId)) {
    const found = await DealFactModel.find({ tenantId, _id: { $in: group.map((deal) => deal.id) } }).lean<DealFactDoc[]>();
    for (const fact of found) facts.set(fact._id, fact);
  }
  return facts;
}

/** The industries of the companies the batch may look up, by `<tenant>:<company>`: one read per tenant. */
async function readIndustries(deals: readonly DealBatch[], facts: ReadonlyMap<string, DealFactDoc>): Promise<Map<string, string | null>> {
  const industries = new Map<string, string | null>();
  for (const [tenantId, group] of Map.groupBy(deals, (deal) => deal.tenantId)) {
    const ids = new Set<string>();
    for (const deal of group) {
      const companyId = facts.get(deal.id)?.companyId;
      if (companyId) ids.add(companyId);
      for (const item of deal.items) {
        const named = companyIdOf(item.event);
        if (named) ids.add(named);
      }
    }
    if (ids.size === 0) continue;
    const found = await CompanyFactModel.find({ tenantId, _id: { $in: [...ids] } }, { industry: 1 }).lean<{ _id: string; industry?: string | null }[]>();
    for (const id of ids) industries.set(`${tenantId}:${id}`, null);
    for (const company of found) industries.set(`${tenantId}:${company._id}`, company.industry ?? null);
  }
  return industries;
}

/** A company's industry from the batch's read, or read now (a deal moved to a company the batch did not name). */
async function industryOf(industries: Map<string, string | null>, tenantId: string, companyId: string | null): Promise<string | null> {
  if (!companyId) return null;
  const key = `${tenantId}:${companyId}`;
  if (!industries.has(key)) {
    const company = await CompanyFactModel.findOne({ _id: companyId, tenantId }, { industry: 1 }).lean<{ industry?: string | null }>();
    industries.set(key, company?.industry ?? null);
  }
  return industries.get(key) ?? null;
}

/** A deal's events folded into its fact's next state, with the stage spans to write (the last write of each span). */
async function fold(fact: FactState | null, deal: DealBatch, industryOf: (companyId: string | null) => Promise<string | null>): Promise<{ state: FactState; spans: SpanWrite[] } | null> {
  let state = fact;
  let changed = false;
  const spans = new Map<string, SpanWrite>();
  for (const { event, info } of deal.items) {
    const reduced = reduceDealEvent(state, event, info, { industry: await industryOf(state?.companyId ?? companyIdOf(event)) });
    if (!reduced) continue;
    state = reduced.state;
    changed = true;
    for (const span of reduced.spans) spans.set(span._id, span);
  }
  return changed && state ? { state, spans: [...spans.values()] } : null;
}

/** Projects a batch of deals events (see the top of this file). */
export function projectDealEvents(items: readonly DealItem[]): Promise<void> {
  // A deal named by two tenants goes one event at a time (one of them is refused there).
  const { records: deals, alone } = byRecord(items, (item) => ({ tenantId: item.info.tenantId, id: item.event.data.dealId }));
  return serializedAll([...new Set(items.map((item) => item.event.data.dealId))], async () => {
    let facts = await readFacts(deals);
    // A move a crash left claimed is finished first, as the single-event path does.
    const unfinished = [...facts.values()].filter((fact) => fact.pending);
    if (unfinished.length > 0) {
      await finishAll(unfinished); // one refused stays pending: its deal's claim below fails and goes one event at a time
      facts = await readFacts(deals);
    }
    const industries = await readIndustries(deals, facts);
    const retry: DealBatch[] = [];
    const claimed: DealFactDoc[] = [];
    await Promise.all(
      deals.map(async (deal) => {
        const fact = facts.get(deal.id) ?? null;
        const folded = await fold(fact && stateOf(fact), deal, (companyId) => industryOf(industries, deal.tenantId, companyId));
        if (!folded) return;
        const next = await claim(deal.tenantId, deal.id, fact, folded);
        if (next) claimed.push(next);
        else retry.push(deal); // another writer came first: its events one at a time, against what it wrote
      }),
    );
    // Every claimed deal's counter moves at once: the counters they share take one write.
    const stale = await finishAll(claimed);
    // A deal whose moves were refused as stale (this writer stalled): one event at a time, which finishes its claim from the fact.
    retry.push(...deals.filter((deal) => stale.has(deal.id)));
    for (const item of [...retry.flatMap((deal) => deal.items), ...alone]) await projectDealEventNow(item.event, item.info);
  });
}
