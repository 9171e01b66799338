// Pure rules of lead routing: what a rule matches, whom an escalation or the fallback goes to, when a lead goes to the fallback, the derived ids of a conversion.
import { Types } from 'mongoose';
import { derivedId } from '../src/modules/lead/lead-ids';
import { matchReason, type RoutableLead } from '../src/modules/routing/route-lead';
import { escalationTarget, fallbackTarget } from '../src/modules/routing/escalation.worker';
import { fallbackDeadline } from '../src/modules/routing/routing-fallback.model';
import type { RoutingRuleDoc } from '../src/modules/routing/routing-rule.model';

const rule = (match: Partial<RoutingRuleDoc['match']>) =>
  ({ match: { territoryIds: [], industries: [], companySizeMin: null, companySizeMax: null, languages: [], sources: [], ...match } }) as unknown as RoutingRuleDoc;
const lead = (fields: Partial<RoutableLead> = {}): RoutableLead => ({ source: 'WEB_FORM', territoryId: null, industry: null, companySize: null, language: null, ...fields });

describe('matchReason', () => {
  it('an empty rule matches any lead', () => {
    expect(matchReason(rule({}), lead())).toBe('any lead');
  });
  it('every criterion given must match; industries and languages case-insensitively', () => {
    const bavarianLogistics = rule({ territoryIds: ['DE-BY'], industries: ['logistics'], languages: ['de'], sources: ['WEB_FORM', 'CALL'] });
    expect(matchReason(bavarianLogistics, lead({ territoryId: 'DE-BY', industry: 'Logistics', language: 'DE', source: 'CALL' }))).toBe('territory DE-BY, industry Logistics, language DE, source CALL');
    expect(matchReason(bavarianLogistics, lead({ territoryId: 'DE-BE', industry: 'Logistics', language: 'de' }))).toBeNull();
    expect(matchReason(bavarianLogistics, lead({ territoryId: 'DE-BY', industry: 'Logistics', language: 'de', source: 'EMAIL' }))).toBeNull();
    expect(matchReason(bavarianLogistics, lead({ territoryId: 'DE-BY', language: 'de' }))).toBeNull();
  });
  it('a size range includes its bounds; a lead without a size does not match a range', () => {
    const midsize = rule({ companySizeMin: 50, companySizeMax: 250 });
    expect([49, 50, 250, 251].map((companySize) => matchReason(midsize, lead({ companySize })) !== null)).toEqual([false, true, true, false]);
    expect(matchReason(midsize, lead())).toBeNull();
    expect(matchReason(rule({ companySizeMin: 1000 }), lead({ companySize: 5000 }))).toBe('company size 5000');
  });
});

describe('escalationTarget', () => {
  it('goes to the team lead, or to the next member when the lead has it or there is none', () => {
    expect(escalationTarget('anna', { leadId: 'head', memberIds: ['anna', 'ben'] })).toBe('head');
    expect(escalationTarget('head', { leadId: 'head', memberIds: ['anna', 'ben'] })).toBe('anna');
    expect(escalationTarget('anna', { leadId: null, memberIds: ['anna', 'ben'] })).toBe('ben');
    expect(escalationTarget('ben', { leadId: null, memberIds: ['anna', 'ben'] })).toBe('anna');
  });
  it('finds nobody in a team of one without a lead, or without a team', () => {
    expect(escalationTarget('anna', { leadId: null, memberIds: ['anna'] })).toBeNull();
    expect(escalationTarget('anna', { leadId: 'anna', memberIds: [] })).toBeNull();
    expect(escalationTarget('anna', null)).toBeNull();
  });
});

describe('fallbackTarget', () => {
  it("goes to the fallback team's lead, else its first member; never to the assignee an escalation takes the lead from", () => {
    expect(fallbackTarget({ leadId: 'head', memberIds: ['anna', 'ben'] })).toBe('head');
    expect(fallbackTarget({ leadId: null, memberIds: ['anna', 'ben'] })).toBe('anna');
    expect(fallbackTarget({ leadId: 'head', memberIds: ['anna', 'ben'] }, 'head')).toBe('anna');
    expect(fallbackTarget({ leadId: null, memberIds: ['anna', 'ben'] }, 'anna')).toBe('ben');
    expect(fallbackTarget({ leadId: 'anna', memberIds: ['anna'] }, 'anna')).toBeNull();
    expect(fallbackTarget({ leadId: null, memberIds: [] })).toBeNull();
    expect(fallbackTarget(null)).toBeNull();
  });
});

describe('fallbackDeadline', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 3, 10, minute));
  const fallback = (since: Date | null, afterMinutes = 30) => ({ teamId: 'team', afterMinutes, since });
  it('counts the wait from the intake, or from the setting when that is later', () => {
    expect(fallbackDeadline({ createdAt: at(20), slaState: null }, fallback(at(0)))).toEqual(at(50));
    expect(fallbackDeadline({ createdAt: at(0), slaState: null }, fallback(at(20)))).toEqual(at(50));
    expect(fallbackDeadline({ createdAt: at(0), slaState: null }, fallback(null))).toEqual(at(30));
  });
  it('moves a waiting lead only to an earlier deadline; nothing without a fallback team', () => {
    expect(fallbackDeadline({ createdAt: at(0), slaState: 'UNASSIGNED', assignBy: at(59) }, fallback(at(10), 10))).toEqual(at(20));
    expect(fallbackDeadline({ createdAt: at(0), slaState: 'UNASSIGNED', assignBy: at(15) }, fallback(at(10), 10))).toBeNull();
    expect(fallbackDeadline({ createdAt: at(0), slaState: 'UNASSIGNED', assignBy: at(20) }, fallback(at(10), 10))).toBeNull();
    expect(fallbackDeadline({ createdAt: at(0), slaState: null }, { teamId: null, afterMinutes: 30, since: null })).toBeNull();
    expect(fallbackDeadline({ createdAt: at(0), slaState: null }, null)).toBeNull();
  });
});

describe('derivedId', () => {
  it('is a valid id with the lead\'s time, the same for the same lead and step, different per step and lead', () => {
    const leadId = new Types.ObjectId().toString();
    const ids = (['company', 'contact', 'deal'] as const).map((step) => derivedId(leadId, step));
    expect(ids.every((id) => Types.ObjectId.isValid(id) && id.length === 24 && id.startsWith(leadId.slice(0, 8)))).toBe(true);
    expect(new Set(ids).size).toBe(3);
    expect(derivedId(leadId, 'deal')).toBe(ids[2]);
    expect(derivedId(new Types.ObjectId().toString(), 'deal')).not.toBe(ids[2]);
  });
});
