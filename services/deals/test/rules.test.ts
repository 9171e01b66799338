// Pure rules: stage order, moves by status, what leaving a stage leaves undone, amounts, changes.
import { amountOf, fieldChanges, isGuidedMove, lineTotal, MAX_SKIPPED, moveOutcome, skippedItems, undoneOnLeaving, undoneOnTheWay } from '../src/modules/deal/deal.rules';
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

  it('checks the stage left and every stage passed over a deal could be in (not deleted, archived or LOST)', () => {
    const step = (id: string) => ({ _id: id, title: `Step ${id}` });
    const stages = [
      { _id: 'a', name: 'A', position: 0, keySteps: [step('a1')] },
      { _id: 'b', name: 'B', position: 1, result: 'Offer accepted' },
      { _id: 'x', name: 'X', position: 2, keySteps: [step('x1')], archived: true },
      { _id: 'l', name: 'L', position: 3, kind: 'LOST' as const, keySteps: [step('l1')] },
      { _id: 'd', name: 'D', position: 4, keySteps: [step('d1')], deleted: true },
      { _id: 'c', name: 'C', position: 4, keySteps: [step('c1'), step('c2')] },
      { _id: 'w', name: 'W', position: 5, kind: 'WON' as const, keySteps: [step('w1')] },
    ];
    const [a, b, , , , c, w] = stages;
    const undone = undoneOnTheWay(stages, a!, w!, { c2: {} }, {});
    expect(undone).toEqual([
      { stageId: 'a', name: 'A', missing: ['Step a1'] },
      { stageId: 'b', name: 'B', missing: ['result'] },
      { stageId: 'c', name: 'C', missing: ['Step c1'] },
    ]);
    expect(skippedItems(undone, 'a')).toEqual(['Step a1', 'B: result', 'C: Step c1']);
    expect(undoneOnTheWay(stages, c!, b!, {}, {})).toEqual([]); // back
    expect(undoneOnTheWay(stages, a!, stages[3]!, {}, {})).toEqual([]); // lost
  });

  it('lists at most as many skipped items as DealStageChanged takes, then how many more', () => {
    const many = [{ stageId: 's', name: 'S', missing: Array.from({ length: 60 }, (_, i) => `Step ${i}`) }];
    const items = skippedItems(many, 's');
    expect(items).toHaveLength(MAX_SKIPPED);
    expect(items.at(-2)).toBe('Step 49');
    expect(items.at(-1)).toBe('and 10 more');
  });
});

describe('amounts and changes', () => {
  it('computes line totals and the amount in cents', () => {
    expect(lineTotal({ quantity: 3, unitPrice: 0.1, discountPercent: 0 })).toBe(0.3);
    expect(lineTotal({ quantity: 1200, unitPrice: 1.5, discountPercent: 10 })).toBe(1620);
    expect(amountOf([{ quantity: 1, unitPrice: 19.99, discountPercent: 15 }, { quantity: 2, unitPrice: 5, discountPercent: 0 }])).toBe(26.99);
    expect(amountOf([])).toBe(0);
  });

  it('rounds half up at cents on the exact decimal value, not on its binary approximation', () => {
    // 10 × 19.99 × 0.85 = 169.915 (a float gives 169.91499999999996)
    expect(lineTotal({ quantity: 10, unitPrice: 19.99, discountPercent: 15 })).toBe(169.92);
    expect(lineTotal({ quantity: 1, unitPrice: 1.005, discountPercent: 0 })).toBe(1.01);
    // 3 × 0.335 = 1.005; 3 × 33.33 × 0.875 = 87.49125; 2 × 0.0049 = 0.0098
    expect(lineTotal({ quantity: 3, unitPrice: 0.335, discountPercent: 0 })).toBe(1.01);
    expect(lineTotal({ quantity: 3, unitPrice: 33.33, discountPercent: 12.5 })).toBe(87.49);
    expect(lineTotal({ quantity: 2, unitPrice: 0.0049, discountPercent: 0 })).toBe(0.01);
    // Numbers JavaScript writes with an exponent: 1e-7 × 5e6 = 0.5; 1e21 × 0 = 0.
    expect(lineTotal({ quantity: 5e6, unitPrice: 1e-7, discountPercent: 0 })).toBe(0.5);
    expect(lineTotal({ quantity: 1e21, unitPrice: 0, discountPercent: 0 })).toBe(0);
    expect(lineTotal({ quantity: 1, unitPrice: 100, discountPercent: 100 })).toBe(0);
    // The amount adds the rounded line totals in cents: 169.92 + 0.10 + 0.20 = 170.22.
    expect(amountOf([{ quantity: 10, unitPrice: 19.99, discountPercent: 15 }, { quantity: 1, unitPrice: 0.1, discountPercent: 0 }, { quantity: 1, unitPrice: 0.2, discountPercent: 0 }])).toBe(170.22);
  });

  it('reports only fields whose value changed, objects compared whatever their key order', () => {
    expect(fieldChanges({ a: 1, b: { x: 1, y: 2 }, c: null }, { a: 1, b: { y: 2, x: 1 }, c: undefined })).toEqual([]);
    expect(fieldChanges({ a: 1, b: [1] }, { a: 2, b: [1, 2] })).toEqual([
      { field: 'a', from: 1, to: 2 },
      { field: 'b', from: [1], to: [1, 2] },
    ]);
  });
});
