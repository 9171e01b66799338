import { forecastContributions } from '../forecast/forecast.contributions';
import { funnelContributions } from '../funnel/funnel.contributions';
import { resultContributions } from '../results/results.contributions';
import type { Contribution } from './contributions';
import type { FactState } from './deal-fact.reduce';

/** Everything one deal fact adds to the counters: the funnel's, the results' and the forecast's. */
export const contributionsOf = (fact: FactState): Contribution[] => [...funnelContributions(fact), ...resultContributions(fact), ...forecastContributions(fact)];
