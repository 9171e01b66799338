import { ActivityFactModel } from '../activity-facts/activity-fact.model';
import { CAMPAIGN } from '../activity-facts/activity-fact.contributions';
import { currentCompanies, idsMergedInto } from '../company-merges/company-merges';
import { CounterModel } from '../fact-counters/counter.model';
import { amountsOf, convertAll, type MoneyTotal } from '../money/money.math';
import { ratesOf } from '../money/money.service';
import { SalesFactModel } from '../won-deals/sales-fact.model';
import type { CampaignDoc } from './campaign.model';

/** The most sends whose companies one campaign's stats look at for the deals that followed. */
export const MAX_CONTACTED = 10_000;
/** The most deals of those companies one campaign's stats read (each a document). */
export const MAX_DEALS = 10_000;
const CHUNK = 1000;

export interface CampaignStats {
  sends: number;
  responses: number;
  /** responses / sends; null without sends. */
  responseRate: number | null;
  /** Companies the sends went to (a company merged since counts as the one it was merged into). */
  companiesContacted: number;
  /** Deals of the contacted companies created within [from, to]. */
  deals: number;
  dealsWon: number;
  /** Amounts of those deals won, in the tenant's base currency. */
  revenue: MoneyTotal;
  /** More sends or deals than the bounds: companiesContacted and the deals' figures count those read. */
  truncated: boolean;
}

/**
 * Sends and responses from the campaign's counters (per day, moved by its activities' facts);
 * the deals that followed from the facts of the contacted companies' deals created in the
 * window: a read bounded by MAX_CONTACTED sends and MAX_DEALS deals, whatever the tenant holds.
 */
export async function campaignStats(tenantId: string, campaign: Pick<CampaignDoc, '_id' | 'from' | 'to'>, limits = { sends: MAX_CONTACTED, deals: MAX_DEALS }): Promise<CampaignStats> {
  const campaignId = campaign._id.toString();
  const [counters, sends, rates] = await Promise.all([
    CounterModel.find({ tenantId, kind: CAMPAIGN, subject: campaignId }, { values: 1 }).lean(),
    ActivityFactModel.find({ tenantId, campaignId }, { companyId: 1, status: 1 }).limit(limits.sends + 1).lean(),
    ratesOf(tenantId),
  ]);
  const total = (field: string) => counters.reduce((sum, counter) => sum + (counter.values?.[field] ?? 0), 0);
  const contacted = [...new Set(sends.slice(0, limits.sends).filter((send) => send.status !== 'CANCELLED' && send.companyId).map((send) => send.companyId!))];
  // Companies merged since (contacts merged duplicates): a client is counted once, under the
  // company it now is, and its deals are read under every id they may carry.
  const current = await currentCompanies(tenantId, contacted);
  const companies = [...new Set(contacted.map((companyId) => current.get(companyId) ?? companyId))];
  const dealCompanies = await idsMergedInto(tenantId, companies, 2 * limits.sends);
  let deals = 0;
  let dealsWon = 0;
  let dealsCut = false;
  const won: Record<string, number> = {};
  for (let i = 0; i < dealCompanies.length && !dealsCut; i += CHUNK) {
    // One more than the deals left tells whether there were more.
    const left = limits.deals - deals;
    const facts = await SalesFactModel.find(
      { tenantId, companyId: { $in: dealCompanies.slice(i, i + CHUNK) }, createdAt: { $gte: campaign.from, $lte: campaign.to } },
      { status: 1, amount: 1, currency: 1 },
    )
      .limit(left + 1)
      .lean();
    dealsCut = facts.length > left;
    for (const fact of facts.slice(0, left)) {
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
    truncated: sends.length > limits.sends || dealsCut,
  };
}
