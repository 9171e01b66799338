// Pure rules: stage order, moves by status, what leaving a stage leaves undone, amounts, changes.
import { amountOf, fieldChanges, isGuidedMove, lineTotal, moveOutcome, undoneOnLeaving } from '../src/modules/deal/deal.rules';
import { createPipelineInput } from '../src/modules/pipeline/pipeline.input';
import { stageOrderProblem } from '../src/modules/pipeline/pipeline.rules';
import { pipelineTemplates } from '../src/modules/pipeline/pipeline.templates';

describe('stage order rules', () => {
  it('accepts plain OPEN stages (the former pipelines) and a full path with post-sale and lost stages', () => {
    expect(stageOrderProblem([{ name: 'A', kind: 'OPEN' }, { name: 'B', kind: 'OPEN' }])).toBeNull();
    expect(stageOrderProblem([{ name: 'A', kind: 'OPEN' }, { name: 'L', kind: 'LOST' }, { name: 'W', kind: 'WON' }, { name: 'P', kind: 'POST_SALE' }])).toBeNull();
  });

  it('needs an OPEN entry stage (archived ones skipped), one WON at most, post-sale after it', () => {
    expect(stageOrderProblem([{ name: 'A', kind: 'OPEN', archived: true }])).toMatch(/not archived/);
    expect(stageOrderProblem([{ name: 'A', kind: 'OPEN', archived: true }, { name: 'L', kind: 'LOST' }])).toMatch(/"L".*must be OPEN/);
    expect(stageOrderProblem([{ name: 'A', kind: 'OPEN' }, { name: 'W', kind: 'WON' }, { name: 'V', kind: 'WON' }])).toMatch(/at most one WON/);
    expect(stageOrderProblem([{ name: 'A', kind: 'OPEN' }, { name: 'P', kind: 'POST_SALE' }, { name: 'W', kind: 'WON' }])).toMatch(/"P" must come after/);
  });

  it('holds for every template, whose stages also pass the createPipeline input checks', () => {
    for (const template of pipelineTemplates) {
      expect(stageOrderProblem(template.stages)).toBeNull();
      expect(createPipelineInput.safeParse({ name: template.name, stages: template.stages, strictness: template.strictness, followUps: template.followUps }).success).toBe(true);
    }
  });
});

describe('moves by status', () => {
  it('wins, loses and keeps a won deal WON through post-sale stages', () => {
    expect(moveOutcome('OPEN', 'OPEN')).toMatchObject({ ok: true, status: 'OPEN', closes: false });
    expect(moveOutcome('OPEN', 'WON')).toMatchObject({ ok: true, status: 'WON', closes: true, wins: true });
    expect(moveOutcome('OPEN', 'LOST')).toMatchObject({ ok: true, status: 'LOST', closes: true, loses: true });
    expect(moveOutcome('WON', 'POST_SALE')).toMatchObject({ ok: true, status: 'WON', closes: false, wins: false });
    expect(moveOutcome('WON', 'WON')).toMatchObject({ ok: true, wins: false });
  });

  it('refuses post-sale before the win, and any move of a closed deal out of the won path', () => {
    expect(moveOutcome('OPEN', 'POST_SALE')).toMatchObject({ ok: false, code: 'FAILED_PRECONDITION' });
    expect(moveOutcome('WON', 'OPEN')).toMatchObject({ ok: false, code: 'CONFLICT' });
    expect(moveOutcome('WON', 'LOST')).toMatchObject({ ok: false, code: 'CONFLICT' });
    for (const kind of ['OPEN', 'WON', 'LOST', 'POST_SALE'] as const) expect(moveOutcome('LOST', kind)).toMatchObject({ ok: false, code: 'CONFLICT' });
  });
});

describe('guided selling', () => {
  const stage = { _id: 's1', result: 'Need confirmed', keySteps: [{ _id: 'k1', title: 'Call' }, { _id: 'k2', title: 'Visit' }] };

  it('lists undone key steps in order, then "result" when the stage names one and none is recorded', () => {
    expect(undoneOnLeaving(stage, {}, {})).toEqual(['Call', 'Visit', 'result']);
    expect(undoneOnLeaving(stage, { k2: {} }, { s1: {} })).toEqual(['Call']);
    expect(undoneOnLeaving({ ...stage, result: null }, { k1: {}, k2: {} }, undefined)).toEqual([]);
  });

  it('applies to forward moves that are not into a LOST stage', () => {
    expect(isGuidedMove({ position: 0 }, { position: 2 })).toBe(true);
    expect(isGuidedMove({ position: 2 }, { position: 1 })).toBe(false);
    expect(isGuidedMove({ position: 0 }, { position: 3, kind: 'LOST' })).toBe(false);
  });
});

describe('amounts and changes', () => {
  it('computes line totals and the amount in cents', () => {
    expect(lineTotal({ quantity: 3, unitPrice: 0.1, discountPercent: 0 })).toBe(0.3);
    expect(lineTotal({ quantity: 1200, unitPrice: 1.5, discountPercent: 10 })).toBe(1620);
    expect(amountOf([{ quantity: 1, unitPrice: 19.99, discountPercent: 15 }, { quantity: 2, unitPrice: 5, discountPercent: 0 }])).toBe(26.99);
    expect(amountOf([])).toBe(0);
  });

  it('reports only fields whose value changed, objects compared whatever their key order', () => {
    expect(fieldChanges({ a: 1, b: { x: 1, y: 2 }, c: null }, { a: 1, b: { y: 2, x: 1 }, c: undefined })).toEqual([]);
    expect(fieldChanges({ a: 1, b: [1] }, { a: 2, b: [1, 2] })).toEqual([
      { field: 'a', from: 1, to: 2 },
      { field: 'b', from: [1], to: [1, 2] },
    ]);
  });
});
