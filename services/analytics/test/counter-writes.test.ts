import { serviceUnderTest, testIdentity } from '@crm/testing';
import { counterId, CounterModel, type CounterKey } from '../src/modules/deal-facts/counter.model';
import { counterClock, counterGrace, StaleMoveError } from '../src/modules/deal-facts/counter-fence';
import { applyMoves, forgetToken, sweepCounterTokens } from '../src/modules/deal-facts/counter-writes';
import { startAnalytics } from '../src/service';

// Group commit of deal-fact counter moves against the real store: exact, once per token, fewer writes.
serviceUnderTest('analytics', startAnalytics, {
  allowedScans: [{ collection: 'deal_progress', keys: 'counted', why: "the funnel's one-time migration at start (settleUnsettledFacts)" }],
});

const key = (pipelineId: string): CounterKey => ({ kind: 'funnel', pipelineId, dim: '*', value: '*', month: '*' });
const moveOf = (tenantId: string, pipelineId: string, inc: Record<string, number>) => ({ id: counterId(tenantId, key(pipelineId)), key: key(pipelineId), inc });
/** One move on its own, as separate batches send theirs. */
const applyMove = (tenantId: string, move: ReturnType<typeof moveOf>, token: string) => applyMoves([{ tenantId, move, token, stamp: counterClock.now() }]);
type BulkOperations = { updateOne: { filter: { tenantId?: string } } }[];
/**
 * Spies on the counter writes: updates alone, and upserts grouped into one bulk command. Counted
 * for one tenant: the service under test runs in this process, and its consumers project whatever
 * other test files publish meanwhile (their counter writes are theirs).
 */
function spyOnWrites() {
  const alone = jest.spyOn(CounterModel, 'updateOne');
  const grouped = jest.spyOn(CounterModel.collection, 'bulkWrite');
  const ofTenant = (tenantId: string) => ({
    alone: alone.mock.calls.filter(([filter]) => (filter as { tenantId?: string }).tenantId === tenantId).length,
    commands: grouped.mock.calls.map(([operations]) => (operations as unknown as BulkOperations).filter((operation) => operation.updateOne.filter.tenantId === tenantId).length).filter((count) => count > 0),
  });
  return {
    /** Document writes: each update alone, and each upsert of a grouped command. */
    writesOf: (tenantId: string) => ofTenant(tenantId).alone + ofTenant(tenantId).commands.reduce((sum, count) => sum + count, 0),
    /** Commands sent: each update alone, and each grouped command. */
    commandsOf: (tenantId: string) => ofTenant(tenantId).alone + ofTenant(tenantId).commands.length,
    restore: () => (alone.mockRestore(), grouped.mockRestore()),
  };
}
const counter = async (tenantId: string, pipelineId: string) => CounterModel.findOne({ _id: counterId(tenantId, key(pipelineId)), tenantId }).lean();

describe('counter moves written together', () => {
  it('applies every one of many concurrent moves of one document exactly once, in fewer writes', async () => {
    const { tenantId } = testIdentity();
    const writes = spyOnWrites();
    try {
      await Promise.all(Array.from({ length: 40 }, (_, i) => applyMove(tenantId, moveOf(tenantId, 'p1', { 'n.p0': 1, 'm.p0.EUR': i }), `deal-${i}#1`)));
      const doc = await counter(tenantId, 'p1');
      expect(doc?.c).toEqual({ n: { p0: 40 }, m: { p0: { EUR: (39 * 40) / 2 } } });
      expect(Object.keys(doc?.applied ?? {}).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `deal-${i}#1`).sort());
      // The first move writes alone; the 39 that queued behind it go in groups.
      expect(writes.writesOf(tenantId)).toBeLessThan(40);
    } finally {
      writes.restore();
    }
  });

  it("writes a batch's moves given at once in one write per document (per 32 moves), each applied once", async () => {
    const { tenantId } = testIdentity();
    const writes = spyOnWrites();
    try {
      // 40 deals of a batch: each moves the all-time document p5, and its own half of p6 and p7.
      const stamp = counterClock.now();
      const moves = Array.from({ length: 40 }, (_, i) => [
        { tenantId, move: moveOf(tenantId, 'p5', { 'n.p0': 1 }), token: `deal-${i}#1`, stamp },
        { tenantId, move: moveOf(tenantId, i % 2 === 0 ? 'p6' : 'p7', { 'n.p1': i }), token: `deal-${i}#1`, stamp },
      ]).flat();
      await applyMoves(moves);
      expect((await counter(tenantId, 'p5'))?.c).toEqual({ n: { p0: 40 } });
      expect((await counter(tenantId, 'p6'))?.c).toEqual({ n: { p1: (38 * 20) / 2 } });
      expect((await counter(tenantId, 'p7'))?.c).toEqual({ n: { p1: (39 * 40) / 2 - (38 * 20) / 2 } });
      // p5: 32 moves, then 8; p6 and p7: 20 moves each. The three documents' first writes go as one command.
      expect(writes.writesOf(tenantId)).toBe(4);
      expect(writes.commandsOf(tenantId)).toBe(2);
    } finally {
      writes.restore();
    }
  });

  it('sends the first writes of many documents as one command; after a write error each goes again alone, and only the excluded one fails', async () => {
    const { tenantId } = testIdentity();
    const stamp = counterClock.now();
    await applyMove(tenantId, moveOf(tenantId, 'q5', { 'n.p0': 5 }), 'deal-r#1');
    const writes = spyOnWrites();
    try {
      // Ten documents at once; the sixth (q5) with a token applied before: a redelivery.
      await applyMoves(
        Array.from({ length: 10 }, (_, i) => ({ tenantId, move: moveOf(tenantId, `q${i}`, { 'n.p0': i }), token: i === 5 ? 'deal-r#1' : `deal-q${i}#1`, stamp })),
      );
      for (let i = 0; i < 10; i += 1) expect((await counter(tenantId, `q${i}`))?.c).toEqual({ n: { p0: i } });
      // One command of ten upserts, which stops at q5's (a duplicate key) with q0-q4 done; then
      // each of the ten alone: q0-q5 fail as duplicates (their tokens are there) and each goes
      // once more as a plain update, which matches nothing, so the document is read: applied.
      expect(writes.commandsOf(tenantId)).toBe(1 + 10 + 6);
      expect(writes.writesOf(tenantId)).toBe(10 + 10 + 6);
    } finally {
      writes.restore();
    }
  });

  it('skips a move applied before (a redelivery) and applies the rest of its group', async () => {
    const { tenantId } = testIdentity();
    await applyMove(tenantId, moveOf(tenantId, 'p2', { 'n.p1': 1 }), 'deal-a#1');
    // deal-a's move again (redelivered after a crash), with new moves of other deals: together in flight.
    await Promise.all([
      applyMove(tenantId, moveOf(tenantId, 'p2', { 'n.p1': 5 }), 'deal-b#1'),
      applyMove(tenantId, moveOf(tenantId, 'p2', { 'n.p1': 1 }), 'deal-a#1'),
      applyMove(tenantId, moveOf(tenantId, 'p2', { 'n.p1': 7 }), 'deal-c#1'),
      applyMove(tenantId, moveOf(tenantId, 'p2', { 'n.p1': 1 }), 'deal-a#1'),
    ]);
    const doc = await counter(tenantId, 'p2');
    expect(doc?.c).toEqual({ n: { p1: 13 } });
    expect(Object.keys(doc?.applied ?? {}).sort()).toEqual(['deal-a#1', 'deal-b#1', 'deal-c#1']);
  });

  it('writes a move that reaches a group twice (the same event twice) once', async () => {
    const { tenantId } = testIdentity();
    await Promise.all([
      applyMove(tenantId, moveOf(tenantId, 'p4', { 'n.p0': 1 }), 'deal-x#1'),
      applyMove(tenantId, moveOf(tenantId, 'p4', { 'n.p0': 2 }), 'deal-y#1'),
      applyMove(tenantId, moveOf(tenantId, 'p4', { 'n.p0': 2 }), 'deal-y#1'),
      applyMove(tenantId, moveOf(tenantId, 'p4', { 'n.p0': 4 }), 'deal-z#1'),
    ]);
    expect((await counter(tenantId, 'p4'))?.c).toEqual({ n: { p0: 7 } });
  });

  it("keeps a confirmed move's token through the grace period, then removes it and refuses a stalled writer's repeat", async () => {
    const { tenantId } = testIdentity();
    const realNow = counterClock.now;
    const stamp = realNow();
    const move = moveOf(tenantId, 'p9', { 'n.p0': 1 });
    const stalled = () => applyMoves([{ tenantId, move, token: 'deal-s#1', stamp }]);
    try {
      await stalled();
      await forgetToken(tenantId, [move], 'deal-s#1', stamp); // its fact confirmed
      // Another deal's move within the grace period: the token stays.
      await applyMove(tenantId, moveOf(tenantId, 'p9', { 'n.p0': 1 }), 'deal-t#1');
      expect(Object.keys((await counter(tenantId, 'p9'))?.applied ?? {}).sort()).toEqual(['deal-s#1', 'deal-t#1']);
      // Past it, the document's next write removes it and raises the fence to its stamp.
      counterClock.now = () => realNow() + counterGrace() + 1_000;
      await applyMove(tenantId, moveOf(tenantId, 'p9', { 'n.p0': 1 }), 'deal-u#1');
      const doc = await counter(tenantId, 'p9');
      expect(Object.keys(doc?.applied ?? {}).sort()).toEqual(['deal-t#1', 'deal-u#1']);
      expect(doc?.fence).toBe(stamp);
      // A writer of that claim that checks now gives up before writing...
      await expect(stalled()).rejects.toBeInstanceOf(StaleMoveError);
      // ...and one that checked before its stall (or whose clock is behind) is refused by the fence.
      counterClock.now = () => stamp;
      await expect(stalled()).rejects.toBeInstanceOf(StaleMoveError);
    } finally {
      counterClock.now = realNow;
    }
    expect((await counter(tenantId, 'p9'))?.c).toEqual({ n: { p0: 3 } });
  });

  it("removes an idle document's confirmed tokens past the grace period by a write of their own (the sweep), after which a stalled writer is refused", async () => {
    const { tenantId } = testIdentity();
    const realNow = counterClock.now;
    const stamp = realNow();
    const move = moveOf(tenantId, 'p8', { 'n.p0': 1 });
    const stalled = () => applyMoves([{ tenantId, move, token: 'deal-v#1', stamp }]);
    try {
      await stalled();
      await forgetToken(tenantId, [move], 'deal-v#1', stamp);
      // Within the grace period the sweep leaves it.
      await sweepCounterTokens(0, 1_000);
      expect(Object.keys((await counter(tenantId, 'p8'))?.applied ?? {})).toEqual(['deal-v#1']);
      // Past it, with no move of the document: the sweep removes it and raises the fence, counts untouched.
      counterClock.now = () => realNow() + counterGrace() + 1_000;
      await sweepCounterTokens(0, 1_000);
      const doc = await counter(tenantId, 'p8');
      expect(doc?.applied ?? {}).toEqual({});
      expect(doc?.fence).toBe(stamp);
      expect(doc?.c).toEqual({ n: { p0: 1 } });
      counterClock.now = () => stamp;
      await expect(stalled()).rejects.toBeInstanceOf(StaleMoveError);
    } finally {
      counterClock.now = realNow;
    }
    expect((await counter(tenantId, 'p8'))?.c).toEqual({ n: { p0: 1 } });
  });

  it('keeps tenants apart: the same pipeline id of two tenants is two documents', async () => {
    const [one, two] = [testIdentity().tenantId, testIdentity().tenantId];
    await Promise.all([applyMove(one, moveOf(one, 'p3', { 'n.p0': 2 }), 'd#1'), applyMove(two, moveOf(two, 'p3', { 'n.p0': 3 }), 'd#1')]);
    expect((await counter(one, 'p3'))?.c).toEqual({ n: { p0: 2 } });
    expect((await counter(two, 'p3'))?.c).toEqual({ n: { p0: 3 } });
  });
});
