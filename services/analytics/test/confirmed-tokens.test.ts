import { ConfirmedTokens, counterClock, counterGrace, type Removal } from '../src/modules/deal-facts/counter-fence';

// The bookkeeping of confirmed tokens, without a store: what each write is handed to remove.
const removedBy = (removal: Removal | null) => Object.keys(removal?.$unset ?? {}).map((path) => path.replace(/^applied\./, ''));

describe('confirmed tokens', () => {
  const realNow = counterClock.now;
  let now = 1_000_000;
  beforeEach(() => {
    now = 1_000_000;
    counterClock.now = () => now;
  });
  afterAll(() => {
    counterClock.now = realNow;
  });

  it('hands each write at most 100 of a backlog, oldest first, and only those past the grace period', async () => {
    const tokens = new ConfirmedTokens();
    for (let i = 0; i < 250; i += 1) tokens.remember('doc', 't1', { token: `d${i}>1`, stamp: now + i });
    now += 10; // within the grace period: nothing to remove yet
    expect(await tokens.writeWith('doc', new Set(), async (removal) => removal === null)).toBe(true);
    now += counterGrace() + 1_000;
    const handed: string[][] = [];
    for (let write = 0; write < 4; write += 1) await tokens.writeWith('doc', new Set(), async (removal) => (handed.push(removedBy(removal)), true));
    expect(handed.map((batch) => batch.length)).toEqual([100, 100, 50, 0]);
    expect(handed.flat()).toEqual(Array.from({ length: 250 }, (_, i) => `d${i}>1`));
  });

  it('keeps what a failed write was handed, first for the next one, and never hands a write the tokens it sets', async () => {
    const tokens = new ConfirmedTokens();
    tokens.remember('doc', 't1', { token: 'a>1', stamp: now });
    tokens.remember('doc', 't1', { token: 'b>1', stamp: now + 1 });
    now += counterGrace() + 1_000;
    await expect(tokens.writeWith('doc', new Set(), async () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    expect(await tokens.writeWith('doc', new Set(), async () => false)).toBe(false);
    let handed: string[] = [];
    await tokens.writeWith('doc', new Set(['a>1']), async (removal) => ((handed = removedBy(removal)), true));
    expect(handed).toEqual(['b>1']);
    await tokens.writeWith('doc', new Set(), async (removal) => ((handed = removedBy(removal)), true));
    expect(handed).toEqual(['a>1']);
  });

  it('sweeps only documents idle for the given time, with their tenant and the fence at their newest stamp', async () => {
    const tokens = new ConfirmedTokens();
    tokens.remember('idle', 't1', { token: 'a>1', stamp: now });
    tokens.remember('idle', 't1', { token: 'b>1', stamp: now + 5 });
    tokens.remember('busy', 't2', { token: 'c>1', stamp: now });
    now += counterGrace() + 1_000;
    await tokens.writeWith('busy', new Set(['x>1']), async () => false); // a move there just now (not matched: its tokens stay)
    const swept: [string, string, string[], number][] = [];
    const written = await tokens.sweep(2_000, 10, async (id, tenantId, removal) => swept.push([id, tenantId, removedBy(removal), removal.$max.fence]));
    expect(written).toBe(1);
    expect(swept).toEqual([['idle', 't1', ['a>1', 'b>1'], 1_000_005]]);
    // Nothing left there; the busy one goes once it is idle too.
    now += 2_001;
    swept.length = 0;
    expect(await tokens.sweep(2_000, 10, async (id, tenantId, removal) => swept.push([id, tenantId, removedBy(removal), removal.$max.fence]))).toBe(1);
    expect(swept).toEqual([['busy', 't2', ['c>1'], 1_000_000]]);
  });

  it('does not count a sweep that found nothing due as a write of the document', async () => {
    const tokens = new ConfirmedTokens();
    const start = now;
    tokens.remember('doc', 't1', { token: 'a>1', stamp: start });
    const swept: string[] = [];
    now = start + counterGrace() - 500; // idle, but nothing past the grace period yet
    expect(await tokens.sweep(2_000, 10, async (id) => swept.push(id))).toBe(0);
    now = start + counterGrace() + 1; // within 2 s of that sweep: still idle since the token came
    expect(await tokens.sweep(2_000, 10, async (id) => swept.push(id))).toBe(1);
    expect(swept).toEqual(['doc']);
  });

  it('stops a sweep at its limit of writes, and keeps the tokens of a sweep write that failed', async () => {
    const tokens = new ConfirmedTokens();
    for (const id of ['d1', 'd2', 'd3']) tokens.remember(id, 't1', { token: `${id}>1`, stamp: now });
    now += counterGrace() + 1_000;
    const ids: string[] = [];
    expect(await tokens.sweep(0, 2, async (id) => ids.push(id))).toBe(2);
    expect(ids).toEqual(['d1', 'd2']);
    await expect(tokens.sweep(0, 2, async () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    expect(await tokens.sweep(0, 2, async (id) => ids.push(id))).toBe(1);
    expect(ids).toEqual(['d1', 'd2', 'd3']);
  });

  it("drains an idle document's backlog in one sweep, 100 tokens a write, until a move of it comes", async () => {
    const tokens = new ConfirmedTokens();
    for (let i = 0; i < 250; i += 1) tokens.remember('burst', 't1', { token: `b${i}>1`, stamp: now + i });
    for (let i = 0; i < 250; i += 1) tokens.remember('busy', 't1', { token: `c${i}>1`, stamp: now + i });
    now += counterGrace() + 1_000;
    const writes: [string, number][] = [];
    const written = await tokens.sweep(2_000, 10, async (id, _tenantId, removal) => {
      writes.push([id, removedBy(removal).length]);
      // A move of 'busy' while its first sweep write runs: the rest is left to its writes.
      if (id === 'busy') await tokens.writeWith('busy', new Set(), async () => true);
    });
    expect(writes).toEqual([
      ['burst', 100],
      ['burst', 100],
      ['burst', 50],
      ['busy', 100],
    ]);
    expect(written).toBe(4);
    // 'burst' holds nothing any more; 'busy' had 100 more removed by its move, 50 wait for its next write.
    const handed: string[][] = [];
    await tokens.writeWith('burst', new Set(), async (removal) => (handed.push(removedBy(removal)), true));
    await tokens.writeWith('busy', new Set(), async (removal) => (handed.push(removedBy(removal)), true));
    expect(handed.map((batch) => batch.length)).toEqual([0, 50]);
  });
});
