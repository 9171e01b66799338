import { ActivityFactModel } from '../activity-facts/activity-fact.model';
import { CAMPAIGN } from '../activity-facts/activity-fact.contributions';
import { CounterModel } from '../fact-counters/counter.model';
import { amountsOf, convertAll, type MoneyTotal } from '../money/money.math';
import { ratesOf } from '../money/money.service';
import { SalesFactModel } from '../won-deals/sales-fact.model';
import type { CampaignDoc } from './campaign.model';

/** The most sends whose companies one request looks at for the deals that followed. */
export const MAX_CONTACTED = 10_000;
const CHUNK = 1000;

export interface CampaignStats {
  sends: number;
  responses: number;
  /** responses / sends; null without sends. */
  responseRate: number | null;
  /** Companies the sends went to. */
  companiesContacted: number;
  /** Deals of the contacted companies created within [from, to]. */
  deals: number;
  dealsWon: number;
  /** Amounts of those deals won, in the tenant's base currency. */
  revenue: MoneyTotal;
}

/**
 * Sends and responses from the campaign's counters (per day, moved by its activities' facts);
 * the deals that followed from the facts of the contacted companies' deals: a read bounded by
 * the campaign's own sends and those companies' deals, not by the tenant's data.
 */
export async function campaignStats(tenantId: string, campaign: Pick<CampaignDoc, '_id' | 'from' | 'to'>): Promise<CampaignStats> {
  const campaignId = campaign._id.toString();
  const [counters, sends, rates] = await Promise.all([
    CounterModel.find({ tenantId, kind: CAMPAIGN, subject: campaignId }, { values: 1 }).lean(),
    ActivityFactModel.find({ tenantId, campaignId }, { companyId: 1, status: 1 }).limit(MAX_CONTACTED).lean(),
    ratesOf(tenantId),
  ]);
  const total = (field: string) => counters.reduce((sum, counter) => sum + (counter.values?.[field] ?? 0), 0);
  const companies = [...new Set(sends.filter((send) => send.status !== 'CANCELLED' && send.companyId).map((send) => send.companyId!))];
  let deals = 0;
  let dealsWon = 0;
  const won: Record<string, number> = {};
  for (let i = 0; i < companies.length; i += CHUNK) {
    const facts = await SalesFactModel.find({ tenantId, companyId: { $in: companies.slice(i, i + CHUNK) } }, { createdAt: 1, status: 1, amount: 1, currency: 1 }).lean();
    for (const fact of facts) {
      if (!fact.createdAt || fact.createdAt < campaign.from || fact.createdAt > campaign.to) continue;
      deals += 1;
      if (fact.status !== 'WON') continue;
      dealsWon += 1;
      won[fact.currency] = (won[fact.currency] ?? 0) + fact.amount;
    }
  }
  const [sent, responses] = [total('sends'), total('responses')];
  return {
    sends: sent,
    responses,
    responseRate: sent > 0 ? responses / sent : null,
    companiesContacted: companies.length,
    deals,
    dealsWon,
    revenue: convertAll(rates, amountsOf(won)),
  };
}
