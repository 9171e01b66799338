import { decodeCursor, idInput, listSize, notFound, parseInput, requireId, toConnection } from '@crm/service-kit';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { Resolvers } from '../../generated/graphql';
import { CampaignModel, type CampaignDoc } from './campaign.model';
import { campaignStats } from './campaign.stats';

const date = (field: string) => z.iso.datetime({ offset: true, message: `${field} is not an ISO date and time` }).transform((value) => new Date(value));
const createInput = z.object({
  input: z
    .object({
      name: z.string().trim().min(1, 'must not be empty').max(200),
      offer: z.string().trim().min(1, 'must not be empty').max(2000),
      segmentId: idInput('segmentId'),
      from: date('from'),
      to: date('to'),
    })
    .refine(({ from, to }) => from < to, { message: 'must be after from', path: ['to'] }),
});

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
    campaignStats: async (_parent, { id }, ctx) => campaignStats(ctx.tenantId, await campaignOf(ctx.tenantId, id)),
  },
  Mutation: {
    createCampaign: async (_parent, args, ctx) => {
      const { input } = parseInput(createInput, args);
      const created = await CampaignModel.create({ ...input, tenantId: ctx.tenantId, createdBy: ctx.userId, createdAt: new Date() });
      return created.toObject();
    },
  },
  Campaign: {
    id: (campaign) => campaign._id.toString(),
    stats: (campaign, _args, ctx) => campaignStats(ctx.tenantId, campaign),
  },
};
