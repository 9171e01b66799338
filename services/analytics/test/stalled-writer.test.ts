import { catalogue, type Envelope } from '@crm/events';
import { serviceUnderTest, testIdentity } from '@crm/testing';
import mongoose from 'mongoose';
import { counterClock, counterGrace } from '../src/modules/deal-facts/counter-writes';
import { DealFactModel, type DealFactDoc } from '../src/modules/deal-facts/deal-fact.model';
import { finish, finishSeams, projectDealEvent, projectDealEventNow, tokenOf } from '../src/modules/deal-facts/deal-fact.projection';
import type { DealEvent, EventInfo } from '../src/modules/deal-facts/deal-fact.reduce';
import { factsConsumer } from '../src/modules/deal-facts/facts.consumer';
import { startAnalytics } from '../src/service';
import { dealStory, pipelineWith, type KindedStage } from './facts-events';
import { countersOnly, without, type Doc } from './read-models';

/*
 * A writer that stalls (a GC or VM pause, a process frozen past its consumer session) after it
 * claimed a deal's move and before its counter writes, while another writer finishes that claim,
 * confirms it and the tokens go: once it goes on, the deal still counts once. Driven in-process:
 * writer A holds at a seam right before its counter moves; writer B is another process's
 * recovery path (it reads the claim on the fact and finishes it); another deal's moves on the
 * same counters documents remove the tokens, past the grace period (the clock is moved); then A
 * goes on. The counters, facts and spans must equal those of the same events projected once.
 */
serviceUnderTest('analytics', startAnalytics);

const realNow = counterClock.now;
afterEach(() => {
  counterClock.now = realNow;
  delete finishSeams.beforeMoves;
});
/** Moves the clock of stamps and of the grace period by `ms` (further) into the future. */
function advanceClock(ms: number): void {
  const before = counterClock.now;
  counterClock.now = () => before() + ms;
}

/** Two deals alike (same owner, team, month: the same counters documents), each created and moved twice. */
function histories(tenantId: string) {
  const { pipelineId, stages } = pipelineWith(tenantId, [
    { name: 'Lead', probability: 0.1 },
    { name: 'Qualified', probability: 0.3 },
    { name: 'Proposal', probability: 0.6 },
    { name: 'Won', kind: 'WON', probability: 1 },
    { name: 'Lost', kind: 'LOST', probability: 0 },
  ]);
  const story = (createdAt: string) =>
    dealStory(tenantId, pipelineId, stages as KindedStage[], { createdAt, ownerId: 'user-anna', teamId: 'team-north', source: 'WEB_FORM', amount: 1200, expectedCloseDate: '2026-05-31' });
  const one = story('2026-02-02T09:00:00Z').move(1, '2026-02-03T09:00:00Z').move(2, '2026-02-05T09:00:00Z');
  const two = story('2026-02-02T10:00:00Z').move(1, '2026-02-03T10:00:00Z').move(2, '2026-02-05T10:00:00Z');
  return { tenantId, pipelineId, stages, one, two };
}
type Histories = ReturnType<typeof histories>;

/** An envelope as the facts consumer hands it to the projection. */
function dealEvent(envelope: Envelope): { event: DealEvent; info: EventInfo } {
  const handler = factsConsumer.handlers.find((candidate) => candidate.definition.type === envelope.type)!;
  const data = catalogue.read(handler.definition, envelope);
  return { event: { type: envelope.type, data } as DealEvent, info: { id: envelope.id, tenantId: envelope.tenantId, occurredAt: new Date(envelope.occurredAt) } };
}
const project = (envelope: Envelope) => {
  const { event, info } = dealEvent(envelope);
  return projectDealEvent(event, info);
};
/** The same in another process: without waiting for this process's turn of the deal (writer A holds it). */
const projectElsewhere = (envelope: Envelope) => {
  const { event, info } = dealEvent(envelope);
  return projectDealEventNow(event, info);
};
const projectAll = async (envelopes: Envelope[]) => {
  for (const envelope of envelopes) await project(envelope);
};

/** The same histories projected once, one event at a time, in a tenant of their own. */
async function projectedOnce(): Promise<Doc> {
  const h = histories(testIdentity().tenantId);
  await projectAll([h.one.events[0]!, h.two.events[0]!, h.one.events[1]!, h.two.events[1]!, h.one.events[2]!, h.two.events[2]!]);
  return readModels(h);
}

/** The tenant's facts, spans and counters, its ids replaced by their place in the histories. */
async function readModels(h: Histories): Promise<Doc> {
  const { tenantId } = h;
  const dealIds = [h.one.dealId, h.two.dealId];
  const list = (name: string, filter: Doc) => mongoose.connection.collection(name).find({ tenantId, ...filter }).sort({ _id: 1 }).toArray() as Promise<Doc[]>;
  const models = {
    deal_facts: (await list('deal_facts', { _id: { $in: dealIds } })).map((doc) => without(doc, 'rev')),
    deal_stage_spans: (await list('deal_stage_spans', { pipelineId: h.pipelineId })).map((doc) => without(doc, 'rev')),
    deal_counters: (await list('deal_counters', { kind: { $in: ['funnel', 'results', 'lost', 'forecast'] } }))
      .map((doc): Doc => ({ ...without(doc, 'applied', 'fence', '_id'), c: countersOnly(doc.c) }))
      .filter((doc) => Object.keys(doc.c as Doc).length > 0)
      .sort((a, b) => JSON.stringify([a.kind, a.dim, a.value, a.month]).localeCompare(JSON.stringify([b.kind, b.dim, b.value, b.month]))),
  };
  const ids = [h.pipelineId, ...h.stages.map((stage) => stage.id), ...[h.one, h.two].flatMap((deal) => [deal.dealId, (deal.events[0]!.data as { companyId: string }).companyId, ...deal.events.map((event) => event.id)])];
  let text = JSON.stringify(models);
  ids.forEach((id, n) => (text = text.split(id).join(`#${n}`)));
  return JSON.parse(text.split(tenantId).join('#tenant')) as Doc;
}

/** Holds the first finish of `dealId`'s claims (writer A) at the seam right before its counter moves; `crash` fails it there instead. */
function holdWriter(dealId: string, crash = false) {
  let release!: () => void;
  let reached!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const atSeam = new Promise<void>((resolve) => (reached = resolve));
  let held = false;
  finishSeams.beforeMoves = async (facts) => {
    if (held || !facts.some((fact) => fact._id === dealId)) return;
    held = true;
    reached();
    if (crash) throw new Error('writer A died before its counter moves');
    await released;
  };
  return { atSeam, release };
}

const readFact = (h: Histories, dealId: string) => DealFactModel.findOne({ _id: dealId, tenantId: h.tenantId }).lean<DealFactDoc>();

/**
 * Writer A (this process) claims deal one's first move and stalls before its counter writes;
 * writer B (another process) finishes that claim from the fact and confirms it; deal two's move,
 * past the grace period, removes the claim's tokens from the counters documents both moves touch.
 */
async function stallWhileAnotherFinishes(h: Histories): Promise<{ a: Promise<void>; release: () => void; stamp: number }> {
  await projectAll([h.one.events[0]!, h.two.events[0]!]);
  const { atSeam, release } = holdWriter(h.one.dealId);
  const a = project(h.one.events[1]!);
  await atSeam;
  const claimed = (await readFact(h, h.one.dealId))!;
  expect(claimed.pending?.rev).toBe(2);
  await finish(claimed);
  expect((await readFact(h, h.one.dealId))?.pending).toBeNull();
  advanceClock(counterGrace() + 1_000);
  await project(h.two.events[1]!);
  // The claim's tokens are gone from the documents deal two moved (the ground of the double count).
  const token = tokenOf(h.one.dealId, 2);
  const touched = await mongoose.connection.collection('deal_counters').find({ tenantId: h.tenantId, kind: 'funnel', dim: '*' }).toArray();
  expect(touched.length).toBeGreaterThan(0);
  for (const doc of touched) expect((doc.applied as Doc)[token]).toBeUndefined();
  return { a, release, stamp: claimed.pending!.at! };
}

describe('a deal fact writer that stalls after its claim', () => {
  it('gives up its counter moves once it goes on past the grace period: the deal counts once', async () => {
    const expected = await projectedOnce();
    const h = histories(testIdentity().tenantId);
    const { a, release } = await stallWhileAnotherFinishes(h);
    release();
    await a;
    await projectAll([h.one.events[2]!, h.two.events[2]!]);
    expect(await readModels(h)).toEqual(expected);
  });

  it('is refused by the counters documents when it stalled after checking its claim (its clock behind): the deal counts once', async () => {
    const expected = await projectedOnce();
    const h = histories(testIdentity().tenantId);
    const { a, release, stamp } = await stallWhileAnotherFinishes(h);
    // Writer A's clock as when it checked its claim, right before its writes: the check passes.
    counterClock.now = () => stamp;
    release();
    await a;
    counterClock.now = realNow;
    await projectAll([h.one.events[2]!, h.two.events[2]!]);
    expect(await readModels(h)).toEqual(expected);
  });

  it("does not undo a later claim's stage spans when it goes on", async () => {
    const expected = await projectedOnce();
    const h = histories(testIdentity().tenantId);
    const { a, release } = await stallWhileAnotherFinishes(h);
    // Deal one moves on meanwhile (in B's process): the stay A would write open is closed.
    await projectElsewhere(h.one.events[2]!);
    await project(h.two.events[2]!);
    counterClock.now = realNow;
    release();
    await a;
    expect(await readModels(h)).toEqual(expected);
  });

  it('left pending by a crash, below the fences of later moves, is finished by the next event under a new stamp', async () => {
    const expected = await projectedOnce();
    const h = histories(testIdentity().tenantId);
    await projectAll([h.one.events[0]!, h.two.events[0]!]);
    const { atSeam } = holdWriter(h.one.dealId, true);
    await expect(project(h.one.events[1]!)).rejects.toThrow('writer A died');
    await atSeam;
    const left = (await readFact(h, h.one.dealId))!.pending!;
    // Deal two moves twice, each past the grace period: its tokens go and raise the fences above the claim left.
    advanceClock(counterGrace() + 1_000);
    await project(h.two.events[1]!);
    advanceClock(counterGrace() + 1_000);
    await project(h.two.events[2]!);
    const fenced = await mongoose.connection.collection('deal_counters').find({ tenantId: h.tenantId, kind: 'funnel', dim: '*' }).toArray();
    expect(fenced.some((doc) => typeof doc.fence === 'number' && doc.fence > left.at!)).toBe(true);
    await project(h.one.events[2]!);
    expect(await readModels(h)).toEqual(expected);
  });

  it('left pending without a stamp (written before stamps) is finished by the next event', async () => {
    const expected = await projectedOnce();
    const h = histories(testIdentity().tenantId);
    await projectAll([h.one.events[0]!, h.two.events[0]!]);
    holdWriter(h.one.dealId, true);
    await expect(project(h.one.events[1]!)).rejects.toThrow('writer A died');
    await DealFactModel.collection.updateOne({ _id: h.one.dealId as never }, { $unset: { 'pending.at': '' } });
    await projectAll([h.two.events[1]!, h.one.events[2]!, h.two.events[2]!]);
    expect(await readModels(h)).toEqual(expected);
  });
});
