import type { Identity } from '@crm/auth';
import { gatewayAs, inParallel, type Gateway } from './client';
import { faker } from './data';

export interface LeadSeedResult {
  teams: number;
  rules: number;
  leads: { posted: number; assigned: number; accepted: number; qualified: number; disqualified: number; converted: number };
}

interface Team {
  name: string;
  leadId: string;
  memberIds: string[];
  industries: string[];
}

const SOURCES = ['WEB_FORM', 'AD_LINK', 'WEB_CHAT', 'CALL', 'EMAIL'] as const;
const INDUSTRIES = ['Wholesale', 'Facility management', 'Education', 'Logistics', 'Manufacturing'];

/**
 * Two sales teams (through the directory's createTeam), routing rules for them, a webhook key,
 * then a stream of leads from every channel: web forms through POST /webhooks/leads with the key,
 * the others with createLead. Their assignees then accept, qualify, disqualify or convert some.
 */
export async function seedLeads(options: {
  gatewayUrl: string;
  admin: Identity;
  managers: Identity[];
  pipelineId: string | undefined;
  count: number;
  concurrency: number;
  attempt: <T>(what: string, work: () => Promise<T>) => Promise<T | undefined>;
  log: (line: string) => void;
  /** The directory's teams, when the seed made them; otherwise two inbound teams are made here. */
  teamIds?: string[];
}): Promise<LeadSeedResult> {
  const { admin, managers, attempt } = options;
  const asAdmin = gatewayAs(options.gatewayUrl, admin);
  const asUser = new Map<string, Gateway>(managers.map((identity) => [identity.userId, gatewayAs(options.gatewayUrl, identity)]));
  const ids = managers.map((manager) => manager.userId);
  const teams: Team[] = [
    { name: 'Inbound DACH', leadId: admin.userId, memberIds: ids.slice(0, 2), industries: ['Wholesale', 'Logistics'] },
    { name: 'Inbound international', leadId: admin.userId, memberIds: ids.slice(2), industries: [] },
  ];
  options.log('teams, routing rules and a web form key for leads');
  const teamIds: string[] = options.teamIds?.length === 2 ? [...options.teamIds] : [];
  for (const team of teamIds.length === 2 ? [] : teams) {
    const created = await attempt(`team ${team.name} (the directory's createTeam)`, () =>
      asAdmin<{ createTeam: { id: string } }>(`mutation ($input: CreateTeamInput!) { createTeam(input: $input) { id } }`, { input: team }),
    );
    if (created) teamIds.push(created.createTeam.id);
  }
  let rules = 0;
  const rule = async (input: Record<string, unknown>) => {
    if (await attempt(`routing rule ${input.name}`, () => asAdmin(`mutation ($input: CreateRoutingRuleInput!) { createRoutingRule(input: $input) { id } }`, { input }))) rules += 1;
  };
  if (teamIds.length === 2) {
    await rule({ name: 'Key accounts (250+ staff)', match: { companySizeMin: 250 }, teamId: teamIds[1], method: 'FIXED', fixedUserId: ids.at(-1), slaMinutes: 60 });
    await rule({ name: 'German speakers', match: { languages: ['de'] }, teamId: teamIds[0], method: 'ROUND_ROBIN', slaMinutes: 30 });
    await rule({ name: 'Everyone else', teamId: teamIds[1], method: 'LEAST_LOADED', slaMinutes: 120 });
  }
  const key = await attempt('webhook key', () => asAdmin<{ createLeadApiKey: { secret: string } }>(`mutation { createLeadApiKey(channel: WEB_FORM, name: "Website contact form") { secret } }`));
  const webhook = options.gatewayUrl.replace(/\/graphql$/, '/webhooks/leads');

  options.log(`${options.count} leads from web forms, ads, chat, calls and email`);
  const leads = await inParallel(Array.from({ length: options.count }, (_, i) => i), options.concurrency, async (index) => {
    const source = SOURCES[index % SOURCES.length]!;
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    const input = {
      externalId: `demo-${source.toLowerCase()}-${index}`,
      campaignId: faker.helpers.arrayElement(['spring-newsletter', 'search-ads', 'trade-fair-2026', null]),
      name: `${first} ${last}`,
      email: faker.internet.email({ firstName: first, lastName: last, provider: 'example.com' }).toLowerCase(),
      companyName: faker.company.name(),
      industry: faker.helpers.arrayElement(INDUSTRIES),
      companySize: faker.helpers.arrayElement([8, 25, 60, 140, 400, 1200]),
      language: faker.helpers.arrayElement(['de', 'de', 'en', 'fr']),
      country: faker.helpers.arrayElement(['DE', 'AT', 'CH', 'FR', 'GB']),
    };
    if (source === 'WEB_FORM' && key) {
      return attempt(`lead ${input.externalId} (webhook)`, async () => {
        const response = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key.createLeadApiKey.secret }, body: JSON.stringify(input) });
        const body = (await response.json()) as { leadId?: string; errors?: { message: string }[] };
        if (!body.leadId) throw new Error(`${response.status} ${body.errors?.[0]?.message ?? ''}`);
        const { lead } = await asAdmin<{ lead: { id: string; assigneeId: string | null } }>(`query ($id: ID!) { lead(id: $id) { id assigneeId } }`, { id: body.leadId });
        return lead;
      });
    }
    return attempt(`lead ${input.externalId}`, async () =>
      (await asAdmin<{ createLead: { id: string; assigneeId: string | null } }>(`mutation ($input: CreateLeadInput!) { createLead(input: $input) { id assigneeId } }`, { input: { ...input, source } })).createLead,
    );
  });

  const result: LeadSeedResult = { teams: teamIds.length, rules, leads: { posted: 0, assigned: 0, accepted: 0, qualified: 0, disqualified: 0, converted: 0 } };
  await inParallel(leads, options.concurrency, async (lead, index) => {
    if (!lead) return;
    result.leads.posted += 1;
    const as = lead.assigneeId ? asUser.get(lead.assigneeId) : undefined;
    if (!as) return;
    result.leads.assigned += 1;
    // A third are left waiting (some will be escalated); the rest are accepted and worked.
    if (index % 3 === 0) return;
    if (!(await attempt(`accepting lead ${lead.id}`, () => as(`mutation ($id: ID!) { acceptLead(id: $id) { id } }`, { id: lead.id })))) return;
    result.leads.accepted += 1;
    if (index % 5 === 1) {
      if (await attempt(`disqualifying lead ${lead.id}`, () => as(`mutation ($id: ID!) { disqualifyLead(id: $id, reason: "No budget this year") { id } }`, { id: lead.id }))) result.leads.disqualified += 1;
      return;
    }
    const qualification = { budget: faker.number.int({ min: 5, max: 200 }) * 1000, currency: 'EUR', need: faker.helpers.arrayElement(['Office cleaning', 'Wholesale supply', 'Language courses']), timing: faker.helpers.arrayElement(['this quarter', 'next quarter', 'next year']), decisionMaker: index % 2 === 0 };
    if (!(await attempt(`qualifying lead ${lead.id}`, () => as(`mutation ($id: ID!, $input: QualifyLeadInput!) { qualifyLead(id: $id, input: $input) { id } }`, { id: lead.id, input: qualification })))) return;
    result.leads.qualified += 1;
    if (index % 4 === 0 && options.pipelineId) {
      const deal = { pipelineId: options.pipelineId, title: `${qualification.need} (from lead)`, amount: qualification.budget, currency: 'EUR' };
      if (await attempt(`converting lead ${lead.id}`, () => as(`mutation ($id: ID!, $input: ConvertLeadInput) { convertLead(id: $id, input: $input) { id } }`, { id: lead.id, input: { deal } }))) result.leads.converted += 1;
    }
  });
  return result;
}
