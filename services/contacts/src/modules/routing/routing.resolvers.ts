import { hasRole } from '@crm/auth';
import { badInput, conflict, forbidden, isId, notFound, parseInput, requireId, type BaseContext } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import { leadInput } from '../lead/lead.input';
import { TeamModel, type TeamDoc } from '../team/team.model';
import { routeLead, withActivePeople, worksIn } from './route-lead';
import { createRuleInput, fallbackInput, updateRuleInput } from './routing.input';
import { fallbackOf, setFallback, type RoutingFallbackDoc } from './routing-fallback.model';
import { MAX_RULES, RoutingRuleModel, type RoutingRuleDoc } from './routing-rule.model';
import { placed } from '../lead/lead.write';

/** Rules and previews show who gets the tenant's leads: those who manage the rules, as for the mutations. */
function requireRuleAdmin(ctx: BaseContext): void {
  if (!hasRole(ctx.identity, 'admin', 'head_of_sales')) throw forbidden('only admins and heads of sales manage routing rules');
}

const rulesOf = (tenantId: string) => RoutingRuleModel.find({ tenantId }).sort({ priority: 1 }).limit(MAX_RULES).lean<RoutingRuleDoc[]>().exec();

async function requireTeam(tenantId: string, teamId: string): Promise<TeamDoc> {
  const team = await TeamModel.findOne({ _id: teamId, tenantId, deleted: false }).lean<TeamDoc>().exec();
  if (!team) throw notFound('Team', teamId);
  return team;
}

/** A FIXED rule's user must work in its team, an active member or its lead (routing checks it again, route-lead.ts). */
async function requireFixedUser(team: TeamDoc, fixedUserId: string | null | undefined): Promise<void> {
  if (!worksIn(await withActivePeople(team), fixedUserId)) {
    throw badInput(`fixedUserId: ${fixedUserId} is not an active member or the lead of team ${team._id.toString()}`, 'input.fixedUserId');
  }
}

/** The fallback as answered: none set reads as no team, with the default wait. */
const fallbackView = (fallback: RoutingFallbackDoc | null) => ({
  teamId: fallback?.teamId ?? null,
  afterMinutes: fallback?.afterMinutes ?? DEFAULT_FALLBACK_MINUTES,
  updatedBy: fallback?.updatedBy ?? null,
  updatedAt: fallback?.updatedAt ?? null,
});
const DEFAULT_FALLBACK_MINUTES = 60;

const emptyMatch = { territoryIds: [], industries: [], companySizeMin: null, companySizeMax: null, languages: [], sources: [] };

export const routingResolvers: Resolvers = {
  Query: {
    routingRules: (_parent, _args, ctx) => {
      requireRuleAdmin(ctx);
      return rulesOf(ctx.tenantId);
    },
    routeLeadPreview: async (_parent, { input }, ctx) => {
      requireRuleAdmin(ctx);
      const lead = await placed(ctx.tenantId, parseInput(leadInput, input));
      const { decision, explanation } = await routeLead(ctx.tenantId, lead, { preview: true });
      return {
        rule: decision?.rule ?? null,
        teamId: decision?.team._id.toString() ?? null,
        assigneeId: decision?.assigneeId ?? null,
        method: decision?.method ?? null,
        why: explanation,
      };
    },
    routingFallback: async (_parent, _args, ctx) => {
      requireRuleAdmin(ctx);
      return fallbackView(await fallbackOf(ctx.tenantId));
    },
  },
  Mutation: {
    setRoutingFallback: async (_parent, { input }, ctx) => {
      requireRuleAdmin(ctx);
      const { teamId, afterMinutes } = parseInput(fallbackInput, input);
      if (teamId) await requireTeam(ctx.tenantId, teamId);
      return fallbackView(await setFallback(ctx.tenantId, { teamId: teamId ?? null, afterMinutes: afterMinutes ?? DEFAULT_FALLBACK_MINUTES, updatedBy: ctx.userId }));
    },
    createRoutingRule: async (_parent, { input }, ctx) => {
      requireRuleAdmin(ctx);
      const fields = parseInput(createRuleInput, input);
      const team = await requireTeam(ctx.tenantId, fields.teamId);
      if (fields.method === 'FIXED') await requireFixedUser(team, fields.fixedUserId);
      const last = await RoutingRuleModel.find({ tenantId: ctx.tenantId }).sort({ priority: -1 }).limit(1).lean<RoutingRuleDoc[]>().exec();
      const count = await RoutingRuleModel.countDocuments({ tenantId: ctx.tenantId }).exec();
      if (count >= MAX_RULES) throw badInput(`a tenant has at most ${MAX_RULES} routing rules`, 'input');
      const rule = await RoutingRuleModel.create({
        tenantId: ctx.tenantId,
        ...fields,
        match: fields.match ?? emptyMatch,
        fixedUserId: fields.method === 'FIXED' ? fields.fixedUserId : null,
        slaMinutes: fields.slaMinutes ?? null,
        priority: (last[0]?.priority ?? 0) + 1,
        createdBy: ctx.userId,
      });
      return rule.toObject() as RoutingRuleDoc;
    },
    updateRoutingRule: async (_parent, { id, input }, ctx) => {
      requireRuleAdmin(ctx);
      const fields = parseInput(updateRuleInput, input);
      const before = await RoutingRuleModel.findOne({ _id: requireId(id, 'id'), tenantId: ctx.tenantId }).lean<RoutingRuleDoc>().exec();
      if (!before) throw notFound('RoutingRule', id);
      const set = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<RoutingRuleDoc>;
      const after = { ...before, ...set };
      if (after.method === 'FIXED' && !after.fixedUserId) throw badInput('a FIXED rule needs fixedUserId', 'input.fixedUserId');
      const team = set.teamId ? await requireTeam(ctx.tenantId, set.teamId) : null;
      // When the method, team or user changes (any other edit, disabling the rule for one, goes through as before).
      if (after.method === 'FIXED' && (set.method || set.teamId || set.fixedUserId)) await requireFixedUser(team ?? (await requireTeam(ctx.tenantId, after.teamId)), after.fixedUserId);
      // Conditional on the version read: two editors at once cannot both win.
      const updated = await RoutingRuleModel.findOneAndUpdate({ _id: before._id, tenantId: ctx.tenantId, updatedAt: before.updatedAt }, { $set: set }, { returnDocument: 'after' })
        .lean<RoutingRuleDoc>()
        .exec();
      if (!updated) throw conflict('the rule was changed meanwhile; read it again');
      return updated;
    },
    reorderRoutingRules: async (_parent, { ids }, ctx) => {
      requireRuleAdmin(ctx);
      if (ids.length > MAX_RULES) throw badInput(`at most ${MAX_RULES} ids`, 'ids');
      const rules = await rulesOf(ctx.tenantId);
      const known = new Set(rules.map((rule) => rule._id.toString()));
      if (ids.length !== known.size || new Set(ids).size !== ids.length || !ids.every((id) => isId(id) && known.has(id))) {
        throw badInput('ids must name every routing rule of the tenant exactly once', 'ids');
      }
      // One write per rule (no multi-document transactions); a repeat of the call finishes an interrupted reorder.
      await RoutingRuleModel.bulkWrite(ids.map((id, index) => ({ updateOne: { filter: { _id: id, tenantId: ctx.tenantId }, update: { $set: { priority: index + 1 } } } })), { ordered: false });
      return rulesOf(ctx.tenantId);
    },
  },
  RoutingRule: {
    id: (rule) => rule._id.toString(),
  },
};
