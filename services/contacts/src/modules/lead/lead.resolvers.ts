import { hasRole } from '@crm/auth';
import { updateWithEvents } from '@crm/messaging';
import { readable, requireCan, requireRowFilter } from '@crm/policy';
import { badInput, conflict, forbidden, notFound, parseInput, requireId, type BaseContext } from '@crm/service-kit';
import type { ContactsContext } from '../../context';
import type { Resolvers } from '../../generated/graphql';
import { listPage } from '../list-filter/list-page';
import { ListOrder } from '../list-filter/order';
import { allOf } from '../list-filter/store-filter';
import { assignLeadByHand } from './assign-lead';
import { convertLead } from './convert-lead';
import { authorizeConversion, leadInScope, leadOwner } from './lead-rights';
import { formatKey, LeadApiKeyModel, newSecret, type LeadApiKeyDoc } from './lead-api-key.model';
import { leadQualified } from './lead.events';
import { disqualifyReason, qualifyInput } from './lead.input';
import { LeadModel, type LeadDoc, type LeadStatus } from './lead.model';
import { takeInLead } from './lead.write';

const MAX_FILTER_TEXT = 200;
const MAX_KEYS = 100;

const findLead = async (ctx: BaseContext, id: string) => {
  const lead = await LeadModel.findOne({ _id: requireId(id, 'id'), tenantId: ctx.tenantId }).lean<LeadDoc>().exec();
  if (!lead) throw notFound('Lead', id);
  return lead;
};

/** Accepting is the assignee's own step (nobody accepts for them, whatever their rights). */
function requireAssignee(ctx: BaseContext, lead: LeadDoc): void {
  if (lead.assigneeId !== ctx.userId) throw forbidden("only the lead's assignee may accept it");
}

/** Qualifying, disqualifying and converting change the lead: the update right over its assignee. */
const requireLeadUpdate = (ctx: ContactsContext, lead: LeadDoc) => requireCan(ctx, 'lead', 'update', leadOwner(lead));

/**
 * A status change conditional on the status read (two at once: one wins, the other is told to read
 * again), with its events in the same write.
 */
async function moveLead(ctx: BaseContext, lead: LeadDoc, from: LeadStatus[], set: Partial<LeadDoc>, events: (after: LeadDoc) => Parameters<typeof updateWithEvents>[3][]) {
  if (!from.includes(lead.status)) throw conflict(`lead ${lead._id.toString()} is ${lead.status}`, { status: lead.status });
  const after = { ...lead, ...set } as LeadDoc;
  // Conditional on the lead as read (and checked): same status, version and assignee.
  const updated = await updateWithEvents(
    LeadModel,
    { _id: lead._id, tenantId: ctx.tenantId, status: lead.status, updatedAt: lead.updatedAt, assigneeId: lead.assigneeId },
    { $set: set },
    ...events(after),
  );
  if (!updated) throw conflict(`lead ${lead._id.toString()} was changed meanwhile; read it again`);
  return updated as LeadDoc;
}

function leadFilter(filter: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const store: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(filter ?? {})) {
    if (value === null || value === undefined) continue;
    if (field === 'unassigned') {
      // Only `true` is a filter ({tenantId, assigneeId, _id} serves the equality on null); `false` is every lead.
      if (value !== true) continue;
      if (filter?.assigneeId) throw badInput('filter.unassigned and filter.assigneeId exclude each other', 'filter.unassigned');
      store.assigneeId = null;
      continue;
    }
    if (typeof value === 'string' && value.length > MAX_FILTER_TEXT) throw badInput(`filter.${field} is longer than ${MAX_FILTER_TEXT} characters`, `filter.${field}`);
    store[field] = value;
  }
  return store;
}

const keyView = (key: LeadApiKeyDoc, secret: string | null = null) => ({
  id: key._id.toString(),
  channel: key.channel as never,
  name: key.name,
  secret,
  createdBy: key.createdBy,
  createdAt: key.createdAt,
  revokedAt: key.revokedAt,
});

export const leadResolvers: Resolvers = {
  Query: {
    lead: async (_parent, { id }, ctx) =>
      leadInScope(ctx, await LeadModel.findOne({ _id: requireId(id, 'id'), tenantId: ctx.tenantId }).lean<LeadDoc>().exec(), 'forbidden'),
    // The row scope on the assignee is in the store query ({tenantId, assigneeId, _id} serves it).
    leads: async (_parent, { filter, first, after }, ctx) => {
      // Another user's leads outside the scope are refused, as activities refuse their assignee filter.
      if (filter?.assigneeId) await requireCan(ctx, 'lead', 'read', { ownerId: filter.assigneeId });
      return listPage(LeadModel, {
        tenantId: ctx.tenantId,
        filter: allOf([leadFilter(filter as Record<string, unknown>), await requireRowFilter(ctx, 'lead', 'read', 'assigneeId')]),
        order: ListOrder.of(null, {}),
        first,
        after,
      });
    },
    leadApiKeys: async (_parent, { first }, ctx) => {
      if (!hasRole(ctx.identity, 'admin')) throw forbidden('only admins see webhook keys');
      const keys = await LeadApiKeyModel.find({ tenantId: ctx.tenantId })
        .sort({ _id: -1 })
        .limit(Math.min(Math.max(first ?? 20, 1), MAX_KEYS))
        .lean<LeadApiKeyDoc[]>()
        .exec();
      return keys.map((key) => keyView(key));
    },
  },
  Mutation: {
    // Routing, not the caller, picks the assignee: the create right in any scope is enough.
    createLead: async (_parent, { input }, ctx) => {
      await requireCan(ctx, 'lead', 'create', { ownerId: ctx.userId });
      const { lead, created } = await takeInLead(ctx, input, ctx.userId);
      // A repeated (source, externalId) answers a lead taken in before, perhaps someone else's: read as lead(id) reads it.
      return created ? lead : (await leadInScope(ctx, lead, 'forbidden'))!;
    },
    acceptLead: async (_parent, { id }, ctx) => {
      const lead = await findLead(ctx, id);
      requireAssignee(ctx, lead);
      if (lead.status === 'ACCEPTED') return lead;
      return moveLead(ctx, lead, ['ASSIGNED'], { status: 'ACCEPTED', slaState: null }, () => []);
    },
    qualifyLead: async (_parent, { id, input }, ctx) => {
      const fields = parseInput(qualifyInput, input);
      const lead = await findLead(ctx, id);
      await requireLeadUpdate(ctx, lead);
      const qualification = { ...fields, qualifiedBy: ctx.userId, qualifiedAt: new Date() };
      return moveLead(ctx, lead, ['NEW', 'ASSIGNED', 'ACCEPTED', 'QUALIFIED'], { status: 'QUALIFIED', slaState: null, qualification }, (after) => [
        leadQualified(after, 'QUALIFIED', ctx.userId, ctx),
      ]);
    },
    disqualifyLead: async (_parent, { id, reason }, ctx) => {
      const why = parseInput(disqualifyReason, reason);
      const lead = await findLead(ctx, id);
      await requireLeadUpdate(ctx, lead);
      return moveLead(ctx, lead, ['NEW', 'ASSIGNED', 'ACCEPTED', 'QUALIFIED'], { status: 'DISQUALIFIED', open: false, slaState: null, disqualifyReason: why }, (after) => [
        leadQualified(after, 'DISQUALIFIED', ctx.userId, ctx),
      ]);
    },
    assignLead: (_parent, { id, userId, reason }, ctx) => assignLeadByHand(ctx, id, { userId, reason }),
    convertLead: async (_parent, { id, input }, ctx) => {
      await findLead(ctx, id);
      const access = await ctx.access();
      // Checked on the lead as the saga reads it, before its first write.
      return convertLead(ctx, id, input, (lead, plan) => authorizeConversion(access, lead, plan));
    },
    createLeadApiKey: async (_parent, { channel, name }, ctx) => {
      if (!hasRole(ctx.identity, 'admin')) throw forbidden('only admins create webhook keys');
      const label = name.trim();
      if (label.length === 0 || label.length > 200) throw badInput('name must be 1 to 200 characters', 'name');
      const { secret, secretHash } = newSecret();
      const key = (await LeadApiKeyModel.create({ tenantId: ctx.tenantId, channel, name: label, secretHash, createdBy: ctx.userId })).toObject() as LeadApiKeyDoc;
      return keyView(key, formatKey(ctx.tenantId, key._id.toString(), secret));
    },
    revokeLeadApiKey: async (_parent, { id }, ctx) => {
      if (!hasRole(ctx.identity, 'admin')) throw forbidden('only admins revoke webhook keys');
      const filter = { _id: requireId(id, 'id'), tenantId: ctx.tenantId };
      // Revoked once: a repeat answers the key as it is.
      const key =
        (await LeadApiKeyModel.findOneAndUpdate({ ...filter, revokedAt: null }, { $set: { revokedAt: new Date() } }, { returnDocument: 'after' }).lean<LeadApiKeyDoc>().exec()) ??
        (await LeadApiKeyModel.findOne(filter).lean<LeadApiKeyDoc>().exec());
      if (!key) throw notFound('LeadApiKey', id);
      return keyView(key);
    },
  },
  Lead: {
    __resolveReference: async (reference, ctx) =>
      leadInScope(ctx, await LeadModel.findOne({ _id: requireId(reference.id, 'id'), tenantId: ctx.tenantId }).lean<LeadDoc>().exec(), 'null'),
    id: (lead) => lead._id.toString(),
    raw: (lead) => (lead.raw ? JSON.parse(lead.raw) : null),
    assignments: (lead) =>
      (lead.assignments ?? []).map((assignment) => ({ ...assignment, fromUserId: assignment.from, toUserId: assignment.to })),
  },
  LeadConversion: {
    company: async (conversion, _args, ctx) => readable(ctx, 'company', await ctx.loaders.companyById.load(conversion.companyId)),
    contact: async (conversion, _args, ctx) => readable(ctx, 'contact', await ctx.loaders.contactById.load(conversion.contactId)),
  },
  LeadConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
};
