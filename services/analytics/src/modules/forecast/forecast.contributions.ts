import type { Contribution } from '../deal-facts/contributions';
import { monthOf } from '../deal-facts/contributions';
import type { FactState } from '../deal-facts/deal-fact.reduce';

/**
 * An open deal with an expected close date counts in that month under its pipeline and stage:
 * `n` one deal, `amt.<cur>` its amount. The weight (the stage's probability) is applied when
 * read, so a change of probabilities moves no counter.
 */
export function forecastContributions(fact: FactState): Contribution[] {
  if (fact.status !== 'OPEN' || !fact.expectedCloseAt) return [];
  return [
    {
      key: { kind: 'forecast', pipelineId: fact.pipelineId, dim: 'stage', value: fact.stageId, month: monthOf(fact.expectedCloseAt) },
      inc: { n: 1, [`amt.${fact.currency}`]: fact.amount },
    },
  ];
}
