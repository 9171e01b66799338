import { isDuplicateKey } from '@crm/messaging';
import { isId } from '@crm/service-kit';
import { TeamModel, type TeamDoc } from '../team/team.model';
import { territoryAndAncestors } from '../territory/address-territory';
import { LeadModel } from '../lead/lead.model';
import { DealLoadModel } from './deal-load.model';
import { MAX_RULES, RoutingRuleModel, type RoutingRuleDoc } from './routing-rule.model';
import { RoutingTurnModel, turnKey } from './routing-turn.model';

/** What routing looks at on a lead. */
export interface RoutableLead {
  source: string;
  territoryId: string | null;
  /** The territories the lead's lies in (its region, its country): a rule on any of them matches. */
  territoryAncestorIds?: string[];
  industry: string | null;
  companySize: number | null;
  language: string | null;
}

export interface RouteDecision {
  rule: RoutingRuleDoc;
  team: TeamDoc;
  assigneeId: string;
  method: RoutingRuleDoc['method'];
  reason: string;
}

export interface RouteResult {
  decision: RouteDecision | null;
  /** Why each rule before the chosen one was passed over, and why the chosen one was taken. */
  explanation: string[];
}

/** Why the rule matches the lead (the criteria it checked), or null when it does not. */
export function matchReason(rule: RoutingRuleDoc, lead: RoutableLead): string | null {
  const { match } = rule;
  const because: string[] = [];
  if (match.territoryIds.length > 0) {
    const matched = [lead.territoryId, ...(lead.territoryAncestorIds ?? [])].find((id) => id !== null && match.territoryIds.includes(id));
    if (!matched) return null;
    because.push(matched === lead.territoryId ? `territory ${matched}` : `territory ${matched} (the lead's ${lead.territoryId} lies in it)`);
  }
  if (match.industries.length > 0) {
    if (!lead.industry || !match.industries.includes(lead.industry.toLowerCase())) return null;
    because.push(`industry ${lead.industry}`);
  }
  if (match.companySizeMin !== null || match.companySizeMax !== null) {
    const size = lead.companySize;
    if (size === null || (match.companySizeMin !== null && size < match.companySizeMin) || (match.companySizeMax !== null && size > match.companySizeMax)) return null;
    because.push(`company size ${size}`);
  }
  if (match.languages.length > 0) {
    if (!lead.language || !match.languages.includes(lead.language.toLowerCase())) return null;
    because.push(`language ${lead.language}`);
  }
  if (match.sources.length > 0) {
    if (!match.sources.includes(lead.source)) return null;
    because.push(`source ${lead.source}`);
  }
  return because.length > 0 ? because.join(', ') : 'any lead';
}

/** The next round-robin turn (1, 2, ...): one atomic increment; the first use creates the counter. */
async function nextTurn(tenantId: string, ruleId: string, teamId: string): Promise<number> {
  const _id = turnKey(tenantId, ruleId, teamId);
  for (let attempt = 0; ; attempt += 1) {
    try {
      const counter = await RoutingTurnModel.findOneAndUpdate({ _id }, { $inc: { turn: 1 }, $setOnInsert: { tenantId } }, { upsert: true, returnDocument: 'after' }).lean();
      return counter!.turn;
    } catch (error) {
      // Two first uses at once: one insert wins, the other increments it on the retry.
      if (!isDuplicateKey(error) || attempt >= 3) throw error;
    }
  }
}

/** The turn a preview would see (the next one), without taking it. */
async function peekTurn(tenantId: string, ruleId: string, teamId: string): Promise<number> {
  const counter = await RoutingTurnModel.findOne({ _id: turnKey(tenantId, ruleId, teamId) }).lean();
  return (counter?.turn ?? 0) + 1;
}

/**
 * A member's load: open leads assigned to them plus open deals they own (each one count on an
 * index). Concurrent routings read the same loads, so a burst may give two leads to the same
 * least-loaded member: least-loaded balances over time, round robin is the exact rotation.
 */
async function loadOf(tenantId: string, userId: string): Promise<number> {
  const [leads, deals] = await Promise.all([
    LeadModel.countDocuments({ tenantId, assigneeId: userId, open: true }).exec(),
    DealLoadModel.countDocuments({ tenantId, ownerId: userId, open: true }).exec(),
  ]);
  return leads + deals;
}

async function pickMember(rule: RoutingRuleDoc, team: TeamDoc, preview: boolean): Promise<{ assigneeId: string; why: string }> {
  const members = team.memberIds;
  const ruleId = rule._id.toString();
  const teamId = team._id.toString();
  if (rule.method === 'FIXED') return { assigneeId: rule.fixedUserId!, why: 'fixed user' };
  if (rule.method === 'ROUND_ROBIN') {
    const turn = preview ? await peekTurn(rule.tenantId, ruleId, teamId) : await nextTurn(rule.tenantId, ruleId, teamId);
    return { assigneeId: members[(turn - 1) % members.length]!, why: `round robin turn ${turn} of ${members.length} members` };
  }
  const loads = await Promise.all(members.map((member) => loadOf(rule.tenantId, member)));
  const least = loads.indexOf(Math.min(...loads));
  return { assigneeId: members[least]!, why: `least loaded (${loads[least]} open leads and deals; team loads ${loads.join('/')})` };
}

/**
 * Routes a lead: the tenant's enabled rules in priority order, the first that matches and whose
 * team exists and has members picks the team; its method picks the member. A preview takes no
 * round-robin turn and writes nothing.
 */
export async function routeLead(tenantId: string, routable: RoutableLead, options: { preview?: boolean } = {}): Promise<RouteResult> {
  const [, ...territoryAncestorIds] = await territoryAndAncestors(tenantId, routable.territoryId);
  const lead = { ...routable, territoryAncestorIds };
  const rules = await RoutingRuleModel.find({ tenantId }).sort({ priority: 1 }).limit(MAX_RULES).lean<RoutingRuleDoc[]>().exec();
  const explanation: string[] = [];
  for (const rule of rules) {
    if (!rule.enabled) {
      explanation.push(`rule "${rule.name}" is disabled`);
      continue;
    }
    const matched = matchReason(rule, lead);
    if (!matched) {
      explanation.push(`rule "${rule.name}" does not match`);
      continue;
    }
    const team = isId(rule.teamId) ? await TeamModel.findOne({ _id: rule.teamId, tenantId }).lean<TeamDoc>().exec() : null;
    if (!team || team.deleted || (rule.method !== 'FIXED' && team.memberIds.length === 0)) {
      explanation.push(`rule "${rule.name}" matches (${matched}) but its team ${team ? 'has no members' : 'no longer exists'}`);
      continue;
    }
    const { assigneeId, why } = await pickMember(rule, team, options.preview === true);
    const reason = `rule "${rule.name}" matched ${matched}; team "${team.name}"; ${why}`;
    explanation.push(reason);
    return { decision: { rule, team, assigneeId, method: rule.method, reason }, explanation };
  }
  explanation.push(rules.length === 0 ? 'the tenant has no routing rules' : 'no rule matched: the lead stays NEW, unassigned');
  return { decision: null, explanation };
}
