import { isDuplicateKey } from '@crm/messaging';
import { isId } from '@crm/service-kit';
import { TeamModel, type TeamDoc } from '../team/team.model';
import { territoryAndAncestors } from '../territory/address-territory';
import { LeadModel } from '../lead/lead.model';
import { UserModel, type UserDoc } from '../user/user.model';
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
    // The language or its primary subtag: a rule for "de" takes a lead in "de-DE"; one for "de-at" only "de-AT".
    const language = lead.language?.toLowerCase();
    if (!language || !(match.languages.includes(language) || match.languages.includes(language.split('-')[0]!))) return null;
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

/**
 * The team as routing and escalation use it: without the people the directory marks inactive
 * (`active: false`), as members or as lead; nobody gets a lead they cannot work. Someone the
 * directory does not know is not marked (a team's people are directory users when it is written).
 */
export async function withActivePeople<T extends Pick<TeamDoc, 'tenantId' | 'leadId' | 'memberIds'>>(team: T): Promise<T> {
  const people = [...team.memberIds, ...(team.leadId ? [team.leadId] : [])];
  if (people.length === 0) return team;
  const inactive = await UserModel.find({ tenantId: team.tenantId, userId: { $in: people }, active: false }).select({ userId: 1 }).lean<Pick<UserDoc, 'userId'>[]>().exec();
  if (inactive.length === 0) return team;
  const gone = new Set(inactive.map((user) => user.userId));
  return { ...team, leadId: team.leadId && !gone.has(team.leadId) ? team.leadId : null, memberIds: team.memberIds.filter((userId) => !gone.has(userId)) };
}

/** Whether a FIXED rule's user works in the team (given with its active people): a member or its lead. */
export const worksIn = (team: Pick<TeamDoc, 'leadId' | 'memberIds'>, userId: string | null | undefined): boolean =>
  Boolean(userId) && (team.leadId === userId || team.memberIds.includes(userId!));

/** The member a rule's method picks from the team's active people (withActivePeople): some must be left. */
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
 * team exists and has active members (for FIXED: whose user is still an active member or the
 * lead) picks the team; its method picks the member. A preview takes no round-robin turn and
 * writes nothing.
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
    const stored = isId(rule.teamId) ? await TeamModel.findOne({ _id: rule.teamId, tenantId, deleted: false }).lean<TeamDoc>().exec() : null;
    if (!stored) {
      explanation.push(`rule "${rule.name}" matches (${matched}) but its team no longer exists`);
      continue;
    }
    const team = await withActivePeople(stored);
    // Checked when the rule was saved, and again now: the user may have left the team or been deactivated since.
    const unworkable =
      rule.method === 'FIXED'
        ? !worksIn(team, rule.fixedUserId) && `its fixed user ${rule.fixedUserId} is no longer an active member or the lead of its team`
        : team.memberIds.length === 0 && 'its team has no active members';
    if (unworkable) {
      explanation.push(`rule "${rule.name}" matches (${matched}) but ${unworkable}`);
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
