import { computeFunnel } from '../src/modules/funnel/funnel.math';

const stages = ['Lead', 'Qualified', 'Proposal', 'Won'].map((name, position) => ({ id: `s${position}`, name, position }));

describe('funnel maths', () => {
  it('counts a deal for every stage up to its furthest and converts stage to stage', () => {
    // Furthest positions of five deals: 0, 1, 1, 2, 3 -> reached [5, 4, 2, 1].
    const funnel = computeFunnel(stages, [
      { position: 1, deals: 2 },
      { position: 0, deals: 1 },
      { position: 3, deals: 1 },
      { position: 2, deals: 1 },
    ]);
    expect(funnel.stages.map((stage) => stage.reached)).toEqual([5, 4, 2, 1]);
    expect(funnel.stages.map((stage) => stage.conversionToNext)).toEqual([0.8, 0.5, 0.5, null]);
    expect(funnel.bottleneckStageId).toBe('s1'); // ties with s2: the earliest wins
    expect(funnel.overallConversion).toBe(0.2);
    expect(funnel.totalDeals).toBe(5);
    expect(funnel.stages[0]).toEqual({ stageId: 's0', name: 'Lead', position: 0, reached: 5, conversionToNext: 0.8 });
  });

  it('treats a skipped stage as passed', () => {
    const funnel = computeFunnel(stages, [{ position: 3, deals: 2 }]);
    expect(funnel.stages.map((stage) => stage.reached)).toEqual([2, 2, 2, 2]);
    expect(funnel.stages.map((stage) => stage.conversionToNext)).toEqual([1, 1, 1, null]);
    expect(funnel.overallConversion).toBe(1);
  });

  it('has no conversions, bottleneck or overall conversion without deals', () => {
    const funnel = computeFunnel(stages, []);
    expect(funnel).toEqual({
      totalDeals: 0,
      stages: stages.map((stage) => ({ stageId: stage.id, name: stage.name, position: stage.position, reached: 0, conversionToNext: null })),
      bottleneckStageId: null,
      overallConversion: null,
    });
  });

  it('leaves conversion null after a stage nobody reached and keeps floats unrounded', () => {
    const funnel = computeFunnel(stages, [
      { position: 0, deals: 2 },
      { position: 1, deals: 1 },
    ]);
    expect(funnel.stages.map((stage) => stage.conversionToNext)).toEqual([1 / 3, 0, null, null]);
    expect(funnel.bottleneckStageId).toBe('s1');
    expect(funnel.overallConversion).toBe(0);
  });

  it('orders stages by position whatever order they come in', () => {
    const funnel = computeFunnel([...stages].reverse(), [{ position: 2, deals: 1 }]);
    expect(funnel.stages.map((stage) => stage.stageId)).toEqual(['s0', 's1', 's2', 's3']);
  });

  it('gives a one-stage pipeline no bottleneck', () => {
    const funnel = computeFunnel([stages[0]!], [{ position: 0, deals: 3 }]);
    expect(funnel.stages).toEqual([{ stageId: 's0', name: 'Lead', position: 0, reached: 3, conversionToNext: null }]);
    expect(funnel.bottleneckStageId).toBeNull();
    expect(funnel.overallConversion).toBe(1);
  });

  it('leaves LOST stages out and converts to the WON stage, post-sale stages after it', () => {
    const kinded = [
      { id: 'lead', name: 'Lead', position: 0, kind: 'OPEN' as const },
      { id: 'lost', name: 'Lost', position: 1, kind: 'LOST' as const },
      { id: 'offer', name: 'Offer', position: 2, kind: 'OPEN' as const },
      { id: 'won', name: 'Won', position: 3, kind: 'WON' as const },
      { id: 'paid', name: 'Paid', position: 4, kind: 'POST_SALE' as const },
    ];
    // Furthest positions: two stopped at Lead, one at Offer, one won, one won and paid.
    const funnel = computeFunnel(kinded, [
      { position: 0, deals: 2 },
      { position: 2, deals: 1 },
      { position: 3, deals: 1 },
      { position: 4, deals: 1 },
    ]);
    expect(funnel.stages.map((stage) => [stage.stageId, stage.reached])).toEqual([
      ['lead', 5],
      ['offer', 3],
      ['won', 2],
      ['paid', 1],
    ]);
    expect(funnel.overallConversion).toBe(2 / 5);
    expect(funnel.totalDeals).toBe(5);
  });
});
