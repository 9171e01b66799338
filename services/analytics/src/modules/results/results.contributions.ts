import type { Contribution } from '../deal-facts/contributions';
import { fieldKey, monthOf } from '../deal-facts/contributions';
import { NONE } from '../deal-facts/counter.model';
import type { FactState } from '../deal-facts/deal-fact.reduce';

export const resultDims = ['OWNER', 'TEAM', 'TERRITORY', 'INDUSTRY', 'PRODUCT', 'SOURCE'] as const;
export type ResultDim = (typeof resultDims)[number];

/** A deal's value per group of a dimension: one group, except PRODUCT (a share per line item). */
export function groupsOf(fact: FactState, dim: Exclude<ResultDim, 'PRODUCT'>): string {
  const value = { OWNER: fact.ownerId, TEAM: fact.teamId, TERRITORY: fact.territoryId, INDUSTRY: fact.industry, SOURCE: fact.source }[dim];
  return value ?? NONE;
}

/**
 * Per product, the line items' net amounts; a deal without line items counts as NONE with its
 * amount. When the line items' total differs from the deal amount (edited apart), the amount
 * is spread in proportion, so the products of a deal always sum to its amount.
 */
export function productShares(fact: Pick<FactState, 'lineItems' | 'amount'>): { product: string; amount: number }[] {
  const total = fact.lineItems.reduce((sum, item) => sum + item.amount, 0);
  if (fact.lineItems.length === 0 || total <= 0) return [{ product: NONE, amount: fact.amount }];
  const byProduct = new Map<string, number>();
  for (const item of fact.lineItems) byProduct.set(item.product, (byProduct.get(item.product) ?? 0) + (item.amount / total) * fact.amount);
  return [...byProduct].map(([product, amount]) => ({ product, amount }));
}

/**
 * A closed deal counts in the month it was won or lost: `won`/`lost` one deal, `amt.<cur>`
 * (won) or `lostAmt.<cur>` its amount; per value of every dimension and for all ('*'). A lost
 * deal also counts under its reason. Open deals count nothing here.
 */
export function resultContributions(fact: FactState): Contribution[] {
  const closedAt = fact.status === 'WON' ? fact.wonAt : fact.status === 'LOST' ? fact.lostAt : null;
  if (!closedAt) return [];
  const month = monthOf(closedAt);
  const won = fact.status === 'WON';
  const incOf = (amount: number) => (won ? { won: 1, [`amt.${fact.currency}`]: amount } : { lost: 1, [`lostAmt.${fact.currency}`]: amount });
  const at = (dim: string, value: string, amount = fact.amount): Contribution => ({ key: { kind: 'results', pipelineId: '*', dim, value, month }, inc: incOf(amount) });
  const contributions = [
    at('*', '*'),
    ...(['OWNER', 'TEAM', 'TERRITORY', 'INDUSTRY', 'SOURCE'] as const).map((dim) => at(dim, groupsOf(fact, dim))),
    ...productShares(fact).map((share) => at('PRODUCT', share.product, share.amount)),
  ];
  if (!won) {
    contributions.push({
      key: { kind: 'lost', pipelineId: '*', dim: 'reason', value: fact.lostReason ?? NONE, month },
      inc: { n: 1, [`amt.${fieldKey(fact.currency)}`]: fact.amount },
    });
  }
  return contributions;
}
