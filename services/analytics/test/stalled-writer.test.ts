import { catalogue, type Envelope } from '@crm/events';
import { serviceUnderTest, testIdentity } from '@crm/testing';
import mongoose from 'mongoose';
import pino from 'pino';
import { counterClock, counterGrace } from '../src/modules/deal-facts/counter-fence';
import { DealFactModel, type DealFactDoc } from '../src/modules/deal-facts/deal-fact.model';
import { finish, finishSeams, projectDealEvent, projectDealEventNow, tokenOf } from '../src/modules/deal-facts/deal-fact.projection';
import type { DealEvent, EventInfo } from '../src/modules/deal-facts/deal-fact.reduce';
import { factsConsumer } from '../src/modules/deal-facts/facts.consumer';
import { DealProgressModel } from '../src/modules/funnel/deal-progress.model';
import { FunnelCountsModel, funnelId } from '../src/modules/funnel/funnel.model';
import { funnelSeams, recordProgress, recordProgressBatch, recordProgressNow, settleFactNow, type Fact, type Progress } from '../src/modules/funnel/funnel.projection';
import { startAnalytics } from '../src/service';
import { newId } from './events';
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
 * The same for the pipeline funnel's counters (`funnel_counts`, `deal_progress`), one event at a
 * time and in a batch.
 */
serviceUnderTest('analytics', startAnalytics);

const realNow = counterClock.now;
afterEach(() => {
  counterClock.now = realNow;
  delete finishSeams.beforeMoves;
  delete finishSeams.beforeConfirm;
  delete funnelSeams.beforeMoves;
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
    deal_facts: (await list('deal_facts', { _id: { $in: dealIds } })).map((doc) => without(doc, 'rev', 'confirmed')),
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

/** A fetched batch of deals events through the facts consumer's batch handler (one writer's claims confirmed together). */
const projectBatch = (envelopes: Envelope[]) =>
  factsConsumer.batch!.handle(
    envelopes.map((envelope) => ({ ...envelope, data: dealEvent(envelope).event.data })),
    { logger: pino({ level: 'silent' }), consumer: factsConsumer.groupId },
  );

describe('a deal fact writer whose batch is confirmed together', () => {
  it('forgets the tokens of the claims it confirmed, not of one another writer stamped anew meanwhile: the deal counts once', async () => {
    const expected = await projectedOnce();
    const h = histories(testIdentity().tenantId);
    await projectAll([h.one.events[0]!, h.two.events[0]!]);
    // Writer A moves both deals' counters, then holds before confirming the two claims together.
    let release!: () => void;
    let reached!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const atSeam = new Promise<void>((resolve) => (reached = resolve));
    finishSeams.beforeConfirm = async (facts) => {
      if (facts.length < 2) return;
      delete finishSeams.beforeConfirm;
      reached();
      await released;
    };
    const a = projectBatch([h.one.events[1]!, h.two.events[1]!]);
    await atSeam;
    // Writer B finds deal one's claim old and stamps it anew (as restamp does) before finishing it.
    const claimed = (await readFact(h, h.one.dealId))!;
    await DealFactModel.updateOne({ _id: h.one.dealId, tenantId: h.tenantId, 'pending.rev': claimed.pending!.rev }, { $set: { 'pending.at': claimed.pending!.at! + 1 } });
    release();
    await a;
    // A confirmed deal two only; deal one's claim is still B's to finish.
    expect((await readFact(h, h.two.dealId))?.pending).toBeNull();
    expect((await readFact(h, h.one.dealId))?.pending?.at).toBe(claimed.pending!.at! + 1);
    // Past the grace period, deal two's next move removes the tokens A forgot. Had A forgotten deal
    // one's under its old stamp, they would go too, and B's moves under the newer stamp would count again.
    advanceClock(counterGrace() + 1_000);
    await project(h.two.events[2]!);
    await finish((await readFact(h, h.one.dealId))!);
    await project(h.one.events[2]!);
    expect(await readModels(h)).toEqual(expected);
  });
});

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

/** Three deals of one pipeline, as the funnel sees them: the positions they reach. */
function funnelDeals(tenantId: string) {
  const pipelineId = newId();
  const [one, two, three] = [newId(), newId(), newId()] as [string, string, string];
  const at = (dealId: string, position: number, created = false): Progress => ({ tenantId, dealId, pipelineId, position, created });
  return { tenantId, pipelineId, one, two, three, at, created: [at(one, 0, true), at(two, 0, true), at(three, 0, true)] };
}
type FunnelDeals = ReturnType<typeof funnelDeals>;

const recordAll = async (steps: readonly Progress[]) => {
  for (const { tenantId, dealId, pipelineId, position, created } of steps) await recordProgress(tenantId, dealId, pipelineId, position, created);
};

/** The pipeline's counts and its deals' facts, the deals named by their place (one, two, three). */
async function funnelModels(d: FunnelDeals): Promise<Doc> {
  const counters = await FunnelCountsModel.findOne({ _id: funnelId(d.tenantId, d.pipelineId), tenantId: d.tenantId }).lean();
  const facts = await DealProgressModel.find({ tenantId: d.tenantId, pipelineId: d.pipelineId }).lean();
  const deals = [d.one, d.two, d.three];
  return {
    counts: countersOnly(counters?.counts),
    facts: facts.sort((a, b) => deals.indexOf(a._id) - deals.indexOf(b._id)).map((fact) => [deals.indexOf(fact._id), fact.maxPosition, fact.counted, fact.pendingTo ?? null, fact.pendingAt ?? null]),
  };
}

/** The same steps recorded once, one at a time, in a tenant of their own. */
async function recordedOnce(steps: (d: FunnelDeals) => Progress[]): Promise<Doc> {
  const d = funnelDeals(testIdentity().tenantId);
  await recordAll(steps(d));
  return funnelModels(d);
}

/** Everything of the pipeline as stored (its counters document whole: tokens, fence), to tell that a writer changed nothing. */
async function storedFunnel(d: FunnelDeals): Promise<Doc> {
  return {
    counters: await FunnelCountsModel.findOne({ _id: funnelId(d.tenantId, d.pipelineId), tenantId: d.tenantId }).lean(),
    facts: await DealProgressModel.find({ tenantId: d.tenantId, pipelineId: d.pipelineId }).sort({ _id: 1 }).lean(),
  };
}

/** Holds the first counter write of a funnel writer that names `dealId` (writer A) at the seam right before it; `crash` fails it there instead. */
function holdFunnelWriter(dealId: string, crash = false) {
  let release!: () => void;
  let reached!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const atSeam = new Promise<void>((resolve) => (reached = resolve));
  let held = false;
  funnelSeams.beforeMoves = async (facts) => {
    if (held || !facts.some((fact) => fact._id === dealId)) return;
    held = true;
    reached();
    if (crash) throw new Error('funnel writer A died before its counter write');
    await released;
  };
  return { atSeam, release };
}

const progressOf = (d: FunnelDeals, dealId: string) => DealProgressModel.findOne({ _id: dealId, tenantId: d.tenantId }).lean<Fact>();

/**
 * Writer A (this process, holding the pipeline's turn) has claimed deal one's move to 1 and stalls
 * before its counter write; writer B (another process) finishes that claim from the fact and
 * confirms it; past the grace period, B's move of deal two removes the claim's token from the
 * pipeline's counters and raises their fence to its stamp. Returns A's claim's stamp.
 */
async function finishWhileStalled(d: FunnelDeals, atSeam: Promise<void>): Promise<number> {
  await atSeam;
  const claimed = (await progressOf(d, d.one))!;
  expect(claimed).toMatchObject({ pendingTo: 1, counted: 0 });
  await settleFactNow(claimed);
  expect(await progressOf(d, d.one)).toMatchObject({ counted: 1, pendingTo: null });
  advanceClock(counterGrace() + 1_000);
  await recordProgressNow(d.at(d.two, 1));
  // The ground of the double count: the claim's token is gone; the fence covers its stamp.
  const counters = (await FunnelCountsModel.findOne({ _id: funnelId(d.tenantId, d.pipelineId), tenantId: d.tenantId }).lean())!;
  expect(counters.applied[`${d.one}>1`]).toBeUndefined();
  expect(counters.fence).toBeGreaterThanOrEqual(claimed.pendingAt!);
  expect(counters.counts).toMatchObject({ p0: 1, p1: 2 });
  return claimed.pendingAt!;
}

describe('a funnel writer that stalls after its claim', () => {
  // Deals one and two reach 1, then 2; deal three stays at 0.
  const oneEventAtATime = (d: FunnelDeals) => [...d.created, d.at(d.one, 1), d.at(d.two, 1), d.at(d.one, 2), d.at(d.two, 2)];

  it.each([
    ['gives up its counter write once it goes on past the grace period', false],
    ['is refused by the fence when it stalled after checking its claim (its clock behind)', true],
  ])('%s: it changes nothing, the deal counts once', async (_name, clockBehind) => {
    const expected = await recordedOnce(oneEventAtATime);
    const d = funnelDeals(testIdentity().tenantId);
    await recordAll(d.created);
    const { atSeam, release } = holdFunnelWriter(d.one);
    const a = recordProgress(d.tenantId, d.one, d.pipelineId, 1);
    const stamp = await finishWhileStalled(d, atSeam);
    const before = await storedFunnel(d);
    // Writer A's clock as when it checked its claim, right before its write: the check passes.
    if (clockBehind) counterClock.now = () => stamp;
    release();
    await a;
    expect(await storedFunnel(d)).toEqual(before);
    counterClock.now = realNow;
    await recordAll([d.at(d.one, 2), d.at(d.two, 2)]);
    expect(await funnelModels(d)).toEqual(expected);
  });

  // Deals one and three reach 1 in a batch, two reaches 1 alone; then one and two reach 2.
  const withABatch = (d: FunnelDeals) => [...d.created, d.at(d.one, 1), d.at(d.three, 1), d.at(d.two, 1), d.at(d.one, 2), d.at(d.two, 2)];

  it.each([
    ['gives up its batch write once it goes on past the grace period', false],
    ['is refused by the fence when it stalled after checking its claims (its clock behind)', true],
  ])('in a batch, %s: the deal another writer finished counts once, the other deal of its batch is finished under a new stamp', async (_name, clockBehind) => {
    const expected = await recordedOnce(withABatch);
    const d = funnelDeals(testIdentity().tenantId);
    await recordAll(d.created);
    const { atSeam, release } = holdFunnelWriter(d.one);
    // Writer A claims deals one's and three's moves together, and stalls before their one counter write.
    const a = recordProgressBatch([d.at(d.one, 1), d.at(d.three, 1)]);
    const stamp = await finishWhileStalled(d, atSeam);
    expect(await progressOf(d, d.three)).toMatchObject({ counted: 0, pendingTo: 1 });
    if (clockBehind) counterClock.now = () => stamp;
    release();
    await a;
    counterClock.now = realNow;
    // Deal one as B left it; deal three's claim (no other writer finished it) applied once, under a stamp above the fence.
    expect(await progressOf(d, d.one)).toMatchObject({ counted: 1, pendingTo: null });
    expect(await progressOf(d, d.three)).toMatchObject({ counted: 1, pendingTo: null });
    const counters = (await FunnelCountsModel.findOne({ _id: funnelId(d.tenantId, d.pipelineId), tenantId: d.tenantId }).lean())!;
    expect(countersOnly(counters.counts)).toEqual({ p1: 3 });
    expect(counters.applied[`${d.one}>1`]).toBeUndefined();
    expect(counters.applied[`${d.three}>1`]).toBe(true);
    await recordAll([d.at(d.one, 2), d.at(d.two, 2)]);
    expect(await funnelModels(d)).toEqual(expected);
  });

  it('left pending by a crash, below the fence of later moves, is finished by the next event under a new stamp', async () => {
    const expected = await recordedOnce(oneEventAtATime);
    const d = funnelDeals(testIdentity().tenantId);
    await recordAll(d.created);
    const { atSeam } = holdFunnelWriter(d.one, true);
    await expect(recordProgress(d.tenantId, d.one, d.pipelineId, 1)).rejects.toThrow('funnel writer A died');
    await atSeam;
    const left = (await progressOf(d, d.one))!;
    expect(left).toMatchObject({ counted: 0, pendingTo: 1 });
    // Deal two moves twice, each past the grace period: its tokens go and raise the fence above the claim left.
    advanceClock(counterGrace() + 1_000);
    await recordProgress(d.tenantId, d.two, d.pipelineId, 1);
    advanceClock(counterGrace() + 1_000);
    await recordProgress(d.tenantId, d.two, d.pipelineId, 2);
    const counters = (await FunnelCountsModel.findOne({ _id: funnelId(d.tenantId, d.pipelineId), tenantId: d.tenantId }).lean())!;
    expect(counters.fence).toBeGreaterThan(left.pendingAt!);
    await recordProgress(d.tenantId, d.one, d.pipelineId, 2);
    expect(await funnelModels(d)).toEqual(expected);
  });
});
