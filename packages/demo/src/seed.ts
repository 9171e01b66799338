import type { Identity } from '@crm/auth';
import { gatewayAs, inParallel, type Gateway } from './client';
import { company, contact, dealRole, DEMO_REGIONS, faker, lineItems } from './data';
import { seedLeads, type LeadSeedResult } from './seed-leads';

export interface SeedOptions {
  gatewayUrl: string;
  tenantId: string;
  companies: number;
  /** Leads streamed in after the companies and deals (routed by the tenant's rules). */
  leads?: number;
  seed: number;
  /** Requests in flight at once. */
  concurrency: number;
  log: (line: string) => void;
}

interface Stage {
  id: string;
  name: string;
  kind: 'OPEN' | 'WON' | 'LOST' | 'POST_SALE';
  keySteps: { id: string }[];
}
interface Pipeline {
  id: string;
  name: string;
  stages: Stage[];
}

export interface SeedResult {
  companies: string[];
  contacts: number;
  pipelines: Pipeline[];
  deals: { open: number; won: number; lost: number };
  concessions: number;
  users: number;
  teams: number;
  territories: number;
  leads: LeadSeedResult;
  failures: string[];
}

const users = (tenantId: string) => ({
  admin: { tenantId, userId: 'demo-admin', roles: ['admin', 'head_of_sales'], name: 'Demo Admin', email: 'admin@demo.example' } as Identity,
  head: { tenantId, userId: 'demo-hanna', roles: ['head_of_sales'], name: 'Hanna Hofmann', email: 'hanna@demo.example' } as Identity,
  managers: [
    ['anna', 'Anna Berg'],
    ['bob', 'Bob Carter'],
    ['chen', 'Chen Wei'],
    ['dana', 'Dana Novak'],
  ].map(([id, name]) => ({ tenantId, userId: `demo-${id}`, roles: ['manager'], name, email: `${id}@demo.example` }) as Identity),
});

/** What each manager knows (the directory's expertise) and which team they are in. */
const EXPERTISE: Record<string, { languages: string[]; products: string[]; industries: string[]; team: 'North' | 'South' }> = {
  'demo-anna': { languages: ['de', 'en'], products: ['Office cleaning', 'Facility services'], industries: ['Manufacturing', 'Wholesale'], team: 'North' },
  'demo-bob': { languages: ['en', 'pl'], products: ['Language courses'], industries: ['Education'], team: 'North' },
  'demo-chen': { languages: ['de', 'zh', 'en'], products: ['Distribution contracts'], industries: ['Wholesale', 'Retail'], team: 'South' },
  'demo-dana': { languages: ['de', 'cs'], products: ['Office cleaning'], industries: ['Healthcare', 'Manufacturing'], team: 'South' },
};

const LOST_REASONS = ['Price too high', 'Chose a competitor', 'No budget this year', 'Project cancelled', 'No response'];

/** Fills a tenant through the gateway, as the frontends would: every record goes through the API and its rules. */
export async function seedDemo(options: SeedOptions): Promise<SeedResult> {
  faker.seed(options.seed);
  const { admin, head, managers } = users(options.tenantId);
  const asAdmin = gatewayAs(options.gatewayUrl, admin);
  const asManager = managers.map((identity) => gatewayAs(options.gatewayUrl, identity));
  const manager = (ownerId: string) => asManager[managers.findIndex((m) => m.userId === ownerId)] ?? asManager[0]!;
  const failures: string[] = [];
  const attempt = async <T>(what: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      failures.push(`${what}: ${(error as Error).message}`);
      return undefined;
    }
  };

  options.log(`tenant ${options.tenantId}: settings, lost reasons and the three template pipelines`);
  await asAdmin(`mutation ($r: [String!]!) { setLostReasons(reasons: $r) }`, { r: LOST_REASONS });
  const pipelines: Pipeline[] = [];
  for (const key of ['distribution', 'cleaning-services', 'language-school']) {
    const { createPipelineFromTemplate } = await asAdmin<{ createPipelineFromTemplate: Pipeline }>(
      `mutation ($k: String!) { createPipelineFromTemplate(key: $k) { id name stages { id name kind keySteps { id } } } }`,
      { k: key },
    );
    pipelines.push(createPipelineFromTemplate);
  }

  options.log('the directory: users (added by their first request), territories, two teams');
  // Each person's first request adds them to the directory with their token's name and email.
  for (const identity of [admin, head, ...managers]) await gatewayAs(options.gatewayUrl, identity)(`{ me { id } }`);
  for (const [userId, { languages, products, industries }] of Object.entries(EXPERTISE)) {
    await attempt(`expertise of ${userId}`, () => asAdmin(`mutation ($id: ID!, $i: UpdateUserInput!) { updateUser(id: $id, input: $i) { id } }`, { id: userId, i: { languages, products, industries } }));
  }
  const territory = async (kind: string, code: string, name: string, parentId?: string) =>
    (await asAdmin<{ createTerritory: { id: string } }>(`mutation ($i: CreateTerritoryInput!) { createTerritory(input: $i) { id } }`, { i: { kind, code, name, parentId } })).createTerritory.id;
  let territories = 0;
  const regionIds: Record<string, string> = {};
  const germany = await attempt('territory DE', () => territory('COUNTRY', 'DE', 'Germany'));
  if (germany) {
    territories += 1;
    for (const region of DEMO_REGIONS) {
      const regionId = await attempt(`territory ${region.code}`, () => territory('REGION', region.code, region.name, germany));
      if (!regionId) continue;
      regionIds[region.code] = regionId;
      territories += 1;
      for (const city of region.cities) if (await attempt(`territory ${city.code}`, () => territory('CITY', city.code, city.name, regionId))) territories += 1;
    }
  }
  const teamOf: Record<string, string> = {};
  const teams = { North: { lead: head.userId, regions: ['DE-BE', 'DE-HH', 'DE-NW'] }, South: { lead: admin.userId, regions: ['DE-BY', 'DE-BW'] } };
  for (const [name, { lead, regions }] of Object.entries(teams)) {
    const memberIds = Object.entries(EXPERTISE).filter(([, person]) => person.team === name).map(([userId]) => userId);
    const created = await attempt(`team ${name}`, () =>
      asAdmin<{ createTeam: { id: string } }>(`mutation ($i: CreateTeamInput!) { createTeam(input: $i) { id } }`, {
        i: { name, leadId: lead, memberIds, territoryIds: regions.map((code) => regionIds[code]).filter(Boolean), industries: [...new Set(memberIds.flatMap((id) => EXPERTISE[id]!.industries))] },
      }),
    );
    if (created) for (const userId of memberIds) teamOf[userId] = created.createTeam.id;
  }

  options.log(`${options.companies} companies with their contact persons`);
  const ownerIds = managers.map((m) => m.userId);
  const made = await inParallel(Array.from({ length: options.companies }, (_, i) => i), options.concurrency, async (index) => {
    const { input, domain } = company(index, ownerIds);
    // The owner's team serves the company; its territory comes from its address.
    if (teamOf[input.ownerId as string]) input.teamId = teamOf[input.ownerId as string];
    const created = await attempt(`company ${input.name}`, () =>
      asAdmin<{ createCompany: { id: string } }>(`mutation ($i: CreateCompanyInput!) { createCompany(input: $i) { id } }`, { i: input }),
    );
    if (!created) return undefined;
    const companyId = created.createCompany.id;
    const people: string[] = [];
    for (let n = 0; n < faker.number.int({ min: 1, max: 4 }); n += 1) {
      const person = { ...contact(domain, companyId, n === 0), ...(people[0] && { reportsToId: people[0] }) };
      const saved = await attempt(`contact of ${input.name}`, () =>
        asAdmin<{ createContact: { id: string } }>(`mutation ($i: CreateContactInput!) { createContact(input: $i) { id } }`, { i: person }),
      );
      if (saved) people.push(saved.createContact.id);
    }
    return { companyId, ownerId: input.ownerId as string, people, name: input.name as string };
  });
  const companies = made.filter((c): c is NonNullable<typeof c> => Boolean(c));

  options.log('deals at every stage: open, won (some in post-sale), lost');
  const deals = { open: 0, won: 0, lost: 0 };
  let concessions = 0;
  await inParallel(companies, options.concurrency, async (client) => {
    const api = manager(client.ownerId);
    for (let n = 0; n < faker.number.int({ min: 0, max: 2 }); n += 1) {
      const pipeline = faker.helpers.arrayElement(pipelines);
      const items = faker.number.float() < 0.5 ? lineItems() : undefined;
      const created = await attempt(`deal for ${client.name}`, () =>
        api<{ createDeal: { id: string; stage: { id: string } } }>(
          `mutation ($i: CreateDealInput!) { createDeal(input: $i) { id stage { id } } }`,
          {
            i: {
              title: `${faker.commerce.productAdjective()} ${faker.commerce.product()} for ${client.name}`.slice(0, 200),
              companyId: client.companyId,
              pipelineId: pipeline.id,
              currency: 'EUR',
              ...(items ? { lineItems: items } : { amount: faker.number.int({ min: 2, max: 150 }) * 1000 }),
              contacts: client.people.slice(0, 2).map((contactId, i) => ({ contactId, role: dealRole(i === 0) })),
              expectedCloseDate: faker.date.soon({ days: 120 }).toISOString().slice(0, 10),
              source: faker.helpers.arrayElement(['WEB_FORM', 'CALL', 'REFERRAL', 'EMAIL']),
              ...(teamOf[client.ownerId] && { teamId: teamOf[client.ownerId] }),
            },
          },
        ),
      );
      if (!created) continue;
      const dealId = created.createDeal.id;
      const open = pipeline.stages.filter((stage) => stage.kind === 'OPEN');
      const outcome = faker.helpers.weightedArrayElement([
        { value: 'open', weight: 6 },
        { value: 'won', weight: 3 },
        { value: 'lost', weight: 2 },
      ]);
      const lastOpen = outcome === 'open' ? faker.number.int({ min: 0, max: open.length - 1 }) : faker.number.int({ min: 1, max: open.length - 1 });
      let at = pipeline.stages.findIndex((stage) => stage.id === created.createDeal.stage.id);
      const moveTo = async (stage: Stage, lostReason?: string) => {
        const current = pipeline.stages[at];
        if (current && faker.number.float() < 0.7) {
          for (const step of current.keySteps) await api(`mutation ($d: ID!, $s: ID!) { completeKeyStep(dealId: $d, stepId: $s) { id } }`, { d: dealId, s: step.id });
          await api(`mutation ($d: ID!, $t: String!) { recordStageResult(dealId: $d, text: $t) { id } }`, { d: dealId, t: faker.lorem.sentence() });
        }
        await api(`mutation ($d: ID!, $s: ID!, $r: String) { moveDealToStage(id: $d, stageId: $s, lostReason: $r) { id } }`, { d: dealId, s: stage.id, r: lostReason ?? null });
        at = pipeline.stages.findIndex((s) => s.id === stage.id);
      };
      const walked = await attempt(`moving deal ${dealId}`, async () => {
        for (const stage of open.slice(1, lastOpen + 1)) await moveTo(stage);
        if (outcome === 'won') {
          await moveTo(pipeline.stages.find((stage) => stage.kind === 'WON')!);
          const postSale = pipeline.stages.filter((stage) => stage.kind === 'POST_SALE');
          for (const stage of postSale.slice(0, faker.number.int({ min: 0, max: postSale.length }))) await moveTo(stage);
        }
        if (outcome === 'lost') await moveTo(pipeline.stages.find((stage) => stage.kind === 'LOST')!, faker.helpers.arrayElement(LOST_REASONS));
        return true;
      });
      if (walked) deals[outcome] += 1;
      if (walked && outcome === 'open' && faker.number.float() < 0.15) {
        const requested = await attempt(`concession on ${dealId}`, () =>
          api<{ requestConcession: { id: string } }>(`mutation ($d: ID!, $i: ConcessionInput!) { requestConcession(dealId: $d, input: $i) { id } }`, {
            d: dealId,
            i: faker.number.float() < 0.5
              ? { kind: 'SPECIAL_PRICE', discountPercent: faker.helpers.arrayElement([5, 8, 12]), rationale: 'Competitor offer 10% below our list price' }
              : { kind: 'TRADE_CREDIT', creditDays: faker.helpers.arrayElement([30, 45, 60]), rationale: 'Client pays its own customers after 60 days' },
          }),
        );
        if (requested) {
          concessions += 1;
          // Rejections always pass; approvals only for complete profiles without risk flags, as the rule says.
          if (faker.number.float() < 0.3) {
            await attempt(`rejecting concession ${requested.requestConcession.id}`, () =>
              asAdmin(`mutation ($id: ID!) { decideConcession(id: $id, approve: false, rationale: "Margin too low for this volume") { id } }`, { id: requested.requestConcession.id }),
            );
          }
        }
      }
    }
  });
  const leads = await seedLeads({
    gatewayUrl: options.gatewayUrl,
    admin,
    managers,
    pipelineId: pipelines[1]?.id,
    count: options.leads ?? 60,
    concurrency: options.concurrency,
    attempt,
    log: options.log,
    teamIds: [...new Set(Object.values(teamOf))],
  });
  return {
    companies: companies.map((c) => c.companyId),
    contacts: companies.reduce((n, c) => n + c.people.length, 0),
    pipelines,
    deals,
    concessions,
    users: 2 + managers.length,
    teams: new Set(Object.values(teamOf)).size,
    territories,
    leads,
    failures,
  };
}

export type { Gateway };
