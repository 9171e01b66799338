import type { Contribution } from '../deal-facts/contributions';
import { monthOf } from '../deal-facts/contributions';
import { NONE } from '../deal-facts/counter.model';
import type { FactState } from '../deal-facts/deal-fact.reduce';

/** The dimensions a funnel can be filtered by, one at a time from single counters. */
export const funnelDims = ['owner', 'team', 'territory', 'source'] as const;
export type FunnelDim = (typeof funnelDims)[number];

export const funnelDimValue = (fact: Pick<FactState, 'ownerId' | 'teamId' | 'territoryId' | 'source'>, dim: FunnelDim): string =>
  ({ owner: fact.ownerId, team: fact.teamId, territory: fact.territoryId, source: fact.source })[dim] ?? NONE;

/** The combination of every dimension: what a filter on several at once reads. */
export const comboValue = (values: Record<FunnelDim, string>) => JSON.stringify(funnelDims.map((dim) => values[dim]));

/**
 * A deal counts, in the month it was created, at its furthest position: `n.p<max>` one deal,
 * `m.p<max>.<currency>` its amount. Per dimension value, per combination, for all deals of
 * the month, and for all deals of all time.
 */
export function funnelContributions(fact: FactState): Contribution[] {
  const inc = { [`n.p${fact.maxPosition}`]: 1, [`m.p${fact.maxPosition}.${fact.currency}`]: fact.amount };
  const month = monthOf(fact.createdAt);
  const values = Object.fromEntries(funnelDims.map((dim) => [dim, funnelDimValue(fact, dim)])) as Record<FunnelDim, string>;
  const at = (dim: string, value: string, inMonth = month): Contribution => ({ key: { kind: 'funnel', pipelineId: fact.pipelineId, dim, value, month: inMonth }, inc });
  return [at('*', '*', '*'), at('*', '*'), ...funnelDims.map((dim) => at(dim, values[dim])), at('combo', comboValue(values))];
}
