import { funnelView } from '../src/context';
import { counterField, incrementsOf, moveToken, nextStep, positionCounts } from '../src/modules/funnel/funnel.counts';

describe('funnel counter rules', () => {
  it('names counters by position as strings, never as array indexes', () => {
    expect(counterField(0)).toBe('p0');
    expect(counterField(12)).toBe('p12');
  });

  it('counts a new deal at its position and moves a known one from its old furthest to its new one', () => {
    expect(incrementsOf({ from: null, to: 0 })).toEqual({ 'counts.p0': 1 });
    expect(incrementsOf({ from: 1, to: 3 })).toEqual({ 'counts.p1': -1, 'counts.p3': 1 });
  });

  it('names each move of a deal by its target, which rises from move to move, as a valid field name', () => {
    expect(moveToken('d1', { from: null, to: 0 })).toBe('d1>0');
    expect(moveToken('d1', { from: 0, to: 2 })).not.toBe(moveToken('d1', { from: 2, to: 3 }));
    expect(moveToken('a.b$c%', { from: null, to: 1 })).toBe('a%2eb%24c%25>1');
  });

  it('applies a pending move first, then claims the gap between counted and furthest, else is settled', () => {
    expect(nextStep({ maxPosition: 2, counted: 0, pendingTo: 1 })).toEqual({ kind: 'apply', move: { from: 0, to: 1 } });
    expect(nextStep({ maxPosition: 0, counted: null, pendingTo: 0 })).toEqual({ kind: 'apply', move: { from: null, to: 0 } });
    expect(nextStep({ maxPosition: 2, counted: 1, pendingTo: null })).toEqual({ kind: 'claim', move: { from: 1, to: 2 } });
    expect(nextStep({ maxPosition: 0 })).toEqual({ kind: 'claim', move: { from: null, to: 0 } });
    expect(nextStep({ maxPosition: 2, counted: 2, pendingTo: null })).toEqual({ kind: 'settled' });
  });

  it('turns the counters into the histogram the maths takes, leaving out emptied and foreign fields', () => {
    expect(positionCounts({ p2: 1, p0: 3, p1: 0, other: 4 })).toEqual([
      { position: 0, deals: 3 },
      { position: 2, deals: 1 },
    ]);
    expect(positionCounts(undefined)).toEqual([]);
  });
});

describe('funnel view', () => {
  const stages = [
    { id: 's0', name: 'Lead', position: 0 },
    { id: 's1', name: 'Won', position: 1 },
  ];
  const pipeline = { _id: 'p1', tenantId: 't', name: 'Sales', stages, updatedAt: new Date('2026-01-01T00:00:00Z') };

  it('is not found until the pipeline is known, whatever the counters hold', () => {
    expect(funnelView(undefined, { _id: 't:p1', tenantId: 't', pipelineId: 'p1', counts: { p0: 2 }, applied: {}, updatedAt: new Date() })).toBeNull();
  });

  it('computes the figures from the counters and takes the later of both dates', () => {
    const counted = new Date('2026-02-01T00:00:00Z');
    const view = funnelView(pipeline, { _id: 't:p1', tenantId: 't', pipelineId: 'p1', counts: { p0: 3, p1: 1 }, applied: {}, updatedAt: counted });
    expect(view).toMatchObject({ pipelineId: 'p1', pipelineName: 'Sales', totalDeals: 4, overallConversion: 0.25, updatedAt: counted });
    expect(view!.stages.map((stage) => stage.reached)).toEqual([4, 1]);
  });

  it('shows a pipeline without counters as zeros', () => {
    expect(funnelView(pipeline, undefined)).toMatchObject({ totalDeals: 0, updatedAt: pipeline.updatedAt, bottleneckStageId: null });
  });
});
