import { hasRole } from '@crm/auth';
import { dateTimeInput, decodeCursor, ErrorCode, forbidden, idInput, listSize, notFound, parseInput, requireId, toConnection } from '@crm/service-kit';
import { GraphQLError } from 'graphql';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { AnalyticsContext } from '../../context';
import type { CampaignStats, Resolvers } from '../../generated/graphql';
import { dealMoney } from '../money/deal-money';
import { CampaignModel, type CampaignDoc } from './campaign.model';
import { campaignStats } from './campaign.stats';

/**
 * Campaigns whose stats one request computes at most (Campaign.stats and campaignStats together):
 * each reads up to MAX_CONTACTED sends and MAX_DEALS deals, so a page of 100 with stats would
 * read millions of documents.
 */
export const MAX_STATS_PER_REQUEST = 10;

const createInput = z.object({
  input: z
    .object({
      name: z.string().trim().min(1, 'must not be empty').max(200),
      offer: z.string().trim().min(1, 'must not be empty').max(2000),
      segmentId: idInput('segmentId'),
      from: dateTimeInput('from'),
      to: dateTimeInput('to'),
    })
    .refine(({ from, to }) => from < to, { message: 'must be after from', path: ['to'] }),
});

function requireCampaignAuthor(ctx: AnalyticsContext) {
  if (!hasRole(ctx.identity, 'admin', 'head_of_sales', 'manager')) throw forbidden('only admins, heads of sales and managers may create campaigns');
}

/** The campaign's stats, within the request's budget: past it, the operation's limit error (as the gateway's). */
function statsWithinBudget(ctx: AnalyticsContext, campaign: Pick<CampaignDoc, '_id' | 'from' | 'to'>) {
  ctx.campaignStatsRead += 1;
  if (ctx.campaignStatsRead > MAX_STATS_PER_REQUEST) {
    throw new GraphQLError(`at most ${MAX_STATS_PER_REQUEST} campaigns' stats per request`, {
      extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'campaignStats', max: MAX_STATS_PER_REQUEST },
    });
  }
  return campaignStats(ctx.tenantId, campaign);
}

async function campaignOf(tenantId: string, id: string): Promise<CampaignDoc> {
  requireId(id, 'id');
  // Tenant-scoped key lookup: another tenant's campaign is simply not found.
  const campaign = await CampaignModel.findOne({ _id: id, tenantId }).lean<CampaignDoc>();
  if (!campaign) throw notFound('Campaign', id);
  return campaign;
}

export const campaignResolvers: Resolvers = {
  Query: {
    campaign: (_parent, { id }, ctx) => campaignOf(ctx.tenantId, id),
    campaigns: async (_parent, { first, after }, ctx) => {
      const size = listSize(first, { default: 20, max: 100 });
      const filter = after ? { tenantId: ctx.tenantId, _id: { $lt: new Types.ObjectId(requireId(decodeCursor(after), 'after')) } } : { tenantId: ctx.tenantId };
      const rows = await CampaignModel.find(filter).sort({ _id: -1 }).limit(size + 1).lean<CampaignDoc[]>();
      return toConnection(rows, size, () => CampaignModel.countDocuments({ tenantId: ctx.tenantId }), Boolean(after));
    },
    campaignStats: async (_parent, { id }, ctx) => statsWithinBudget(ctx, await campaignOf(ctx.tenantId, id)),
  },
  Mutation: {
    createCampaign: async (_parent, args, ctx) => {
      requireCampaignAuthor(ctx);
      const { input } = parseInput(createInput, args);
      const created = await CampaignModel.create({ ...input, tenantId: ctx.tenantId, createdBy: ctx.userId, createdAt: new Date() });
      return created.toObject();
    },
  },
  Campaign: {
    id: (campaign) => campaign._id.toString(),
    stats: (campaign, _args, ctx) => statsWithinBudget(ctx, campaign),
  },
  CampaignStats: {
    // The won deals that followed a campaign (often one or two): the field right of Deal.amount (deal-money.ts); the counts stay.
    revenue: dealMoney((stats: CampaignStats) => stats.revenue ?? null),
  },
};
