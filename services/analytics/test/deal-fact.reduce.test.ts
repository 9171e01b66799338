import { createEvent, DealCreated } from '@crm/events';
import { movesBetween } from '../src/modules/deal-facts/contributions';
import { reduceDealEvent, type DealEvent, type FactState } from '../src/modules/deal-facts/deal-fact.reduce';
import { contributionsOf } from '../src/modules/deal-facts/fact-contributions';
import { productShares } from '../src/modules/results/results.contributions';

const tenantId = 'tenant-1';
const stage = (position: number, kind: 'OPEN' | 'WON' | 'LOST' = 'OPEN') => ({ id: `s${position}`, name: `Stage ${position}`, position, kind });
const lookups = { industry: 'Logistics' };
const at = (iso: string, id = iso) => ({ id, tenantId, occurredAt: new Date(iso) });
const deal = { dealId: 'd1', title: 'Cleaning', pipelineId: 'p1', ownerId: 'anna' };
const createdData = createEvent(DealCreated, { tenantId, aggregateId: 'd1' }, { ...deal, stage: stage(0), companyId: 'c1', amount: 1000, currency: 'EUR', status: 'OPEN', teamId: 'north', source: 'WEB', expectedCloseDate: '2026-03-15' }).data;

function run(events: [DealEvent, ReturnType<typeof at>][]): FactState | null {
  let fact: FactState | null = null;
  for (const [event, info] of events) fact = reduceDealEvent(fact, event, info, lookups)?.state ?? fact;
  return fact;
}

const created: DealEvent = { type: 'DealCreated', data: createdData };
const moved = (from: number, to: number, kind: 'OPEN' | 'WON' | 'LOST' = 'OPEN'): DealEvent => ({ type: 'DealStageChanged', data: { ...deal, fromStage: stage(from), toStage: stage(to, kind), movedBy: 'anna' } });

describe('deal fact rules', () => {
  it('keeps the furthest stage through skips, moves back and a loss', () => {
    const fact = run([
      [created, at('2026-01-10T10:00:00.000Z')],
      [moved(0, 3), at('2026-01-12T10:00:00.000Z')], // skips 1 and 2
      [moved(3, 1), at('2026-01-13T10:00:00.000Z')], // back
      [moved(1, 9, 'LOST'), at('2026-01-14T10:00:00.000Z')],
      [{ type: 'DealLost', data: { ...deal, companyId: 'c1', amount: 1000, currency: 'EUR', stage: stage(9, 'LOST'), closedAt: '2026-01-14T10:00:00.000Z', lostReason: 'Price', lostBy: 'anna' } }, at('2026-01-14T10:00:00.000Z', 'lost-event')],
    ])!;
    expect(fact).toMatchObject({ maxPosition: 3, stageId: 's9', status: 'LOST', lostReason: 'Price', stageEntries: 4, industry: 'Logistics' });
    expect(fact.lostAt).toEqual(new Date('2026-01-14T10:00:00.000Z'));
  });

  it('ignores repeats and events older than the fact', () => {
    const first = reduceDealEvent(null, created, at('2026-01-10T10:00:00.000Z'), lookups)!;
    expect(first.spans).toEqual([{ _id: 'd1:1', stageId: 's0', enteredAt: new Date('2026-01-10T10:00:00.000Z'), leftAt: null }]);
    const movedOnce = reduceDealEvent(first.state, moved(0, 2), at('2026-01-11T10:00:00.000Z', 'm1'), lookups)!;
    expect(movedOnce.spans).toEqual([
      { _id: 'd1:1', stageId: 's0', enteredAt: new Date('2026-01-10T10:00:00.000Z'), leftAt: new Date('2026-01-11T10:00:00.000Z') },
      { _id: 'd1:2', stageId: 's2', enteredAt: new Date('2026-01-11T10:00:00.000Z'), leftAt: null },
    ]);
    expect(reduceDealEvent(movedOnce.state, moved(0, 2), at('2026-01-11T10:00:00.000Z', 'm1'), lookups)).toBeNull(); // the same event
    expect(reduceDealEvent(movedOnce.state, moved(0, 1), at('2026-01-10T12:00:00.000Z', 'm0'), lookups)).toBeNull(); // older
    expect(reduceDealEvent(movedOnce.state, created, at('2026-01-12T10:00:00.000Z', 'again'), lookups)).toBeNull(); // re-published creation
    expect(reduceDealEvent(null, moved(0, 1), at('2026-01-11T10:00:00.000Z'), lookups)).toBeNull(); // unknown deal
  });

  it('reopening clears the close and keeps the furthest stage', () => {
    const fact = run([
      [created, at('2026-01-10T10:00:00.000Z')],
      [moved(0, 5, 'WON'), at('2026-01-11T10:00:00.000Z', 'a')],
      [{ type: 'DealWon', data: { ...deal, companyId: 'c1', amount: 1200, currency: 'EUR', stage: stage(5, 'WON'), closedAt: '2026-01-11T10:00:00.000Z', wonBy: 'anna' } }, at('2026-01-11T10:00:00.000Z', 'b')],
      [{ type: 'DealReopened', data: { ...deal, previousStatus: 'WON', fromStage: stage(5, 'WON'), toStage: stage(2), reopenedBy: 'anna' } }, at('2026-01-20T10:00:00.000Z')],
    ])!;
    expect(fact).toMatchObject({ status: 'OPEN', wonAt: null, maxPosition: 5, stageId: 's2', amount: 1200 });
  });

  it('applies updated fields, line items as products', () => {
    const fact = run([
      [created, at('2026-01-10T10:00:00.000Z')],
      [
        {
          type: 'DealUpdated',
          data: {
            ...deal,
            updatedBy: 'anna',
            changes: [
              { field: 'ownerId', from: 'anna', to: 'bob' },
              { field: 'teamId', from: 'north', to: null },
              { field: 'lineItems', from: [], to: [{ product: 'Mop', quantity: 2, unitPrice: 100, discountPercent: 10 }, { product: 'Bucket', quantity: 1, unitPrice: 70 }] },
              { field: 'expectedCloseDate', from: '2026-03-15', to: '2026-04-01' },
            ],
          },
        },
        at('2026-01-11T10:00:00.000Z'),
      ],
    ])!;
    expect(fact).toMatchObject({ ownerId: 'bob', teamId: null, products: ['Mop', 'Bucket'], lineItems: [{ product: 'Mop', amount: 180 }, { product: 'Bucket', amount: 70 }] });
    expect(fact.expectedCloseAt).toEqual(new Date('2026-04-01T00:00:00.000Z'));
  });
});

describe('counter contributions', () => {
  it('moves only the difference between two versions of a fact', () => {
    const open = run([[created, at('2026-01-10T10:00:00.000Z')]])!;
    const further = run([[created, at('2026-01-10T10:00:00.000Z')], [moved(0, 2), at('2026-01-11T10:00:00.000Z')]])!;
    const moves = movesBetween(tenantId, contributionsOf(open), contributionsOf(further));
    // Every funnel document of the deal: one deal and its money from p0 to p2; the forecast stays in the same month and moves stage.
    const funnel = moves.filter((move) => move.key.kind === 'funnel');
    expect(funnel).toHaveLength(7);
    for (const move of funnel) expect(move.inc).toEqual({ 'n.p0': -1, 'n.p2': 1, 'm.p0.EUR': -1000, 'm.p2.EUR': 1000 });
    expect(moves.filter((move) => move.key.kind === 'forecast').map((move) => [move.key.value, move.inc])).toEqual([
      ['s0', { n: -1, 'amt.EUR': -1000 }],
      ['s2', { n: 1, 'amt.EUR': 1000 }],
    ]);
    expect(movesBetween(tenantId, contributionsOf(further), contributionsOf(further))).toEqual([]);
  });

  it('spreads a deal over its products in proportion to the line items', () => {
    // Line items 180 + 70 = 250 against a deal amount of 500: shares 360 and 140.
    expect(productShares({ amount: 500, lineItems: [{ product: 'Mop', amount: 180 }, { product: 'Bucket', amount: 70 }] })).toEqual([
      { product: 'Mop', amount: 360 },
      { product: 'Bucket', amount: 140 },
    ]);
    expect(productShares({ amount: 500, lineItems: [] })).toEqual([{ product: '(none)', amount: 500 }]);
  });
});
