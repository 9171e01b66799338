// The directory across the subgraphs: a company's team and territory (contacts), a deal's team
// (deals → contacts), an activity's assignee with their working hours (activities → contacts →
// activities), users added with their token's claims on their first request through the gateway.
import type { Identity } from '@crm/auth';
import { dataOf, gatewayClient, useStack, testIdentity, uniqueId, waitFor } from '@crm/testing';

const stack = useStack();

describe('directory through the gateway', () => {
  it('resolves Company.team, Company.territory, Deal.team and Activity.assignee.workingHours, within the tenant', async () => {
    const tenant = uniqueId('tenant');
    const admin: Identity = { tenantId: tenant, userId: 'admin-1', roles: ['admin', 'head_of_sales'], name: 'Ada Admin' };
    const head: Identity = { tenantId: tenant, userId: 'u-head', roles: ['head_of_sales'], name: 'Hanna Head', email: 'hanna@acme.example' };
    const anna: Identity = { tenantId: tenant, userId: 'u-anna', roles: ['manager'], name: 'Anna Berg' };
    const [asAdmin, asHead, asAnna] = [gatewayClient(stack.gatewayUrl, admin), gatewayClient(stack.gatewayUrl, head), gatewayClient(stack.gatewayUrl, anna)];
    // Their first requests add them to the directory with the token's claims.
    for (const client of [asAdmin, asHead, asAnna]) dataOf(await client(`{ me { id } }`));
    expect(dataOf(await asAdmin(`{ users(first: 10) { edges { node { id name email roles } } } }`)).users.edges.map((edge: any) => edge.node)).toEqual([
      { id: 'admin-1', name: 'Ada Admin', email: null, roles: ['admin', 'head_of_sales'] },
      { id: 'u-anna', name: 'Anna Berg', email: null, roles: ['manager'] },
      { id: 'u-head', name: 'Hanna Head', email: 'hanna@acme.example', roles: ['head_of_sales'] },
    ]);

    const territory = async (kind: string, code: string, name: string, parentId?: string) =>
      dataOf(await asAdmin(`mutation ($i: CreateTerritoryInput!) { createTerritory(input: $i) { id } }`, { i: { kind, code, name, parentId } })).createTerritory.id as string;
    const de = await territory('COUNTRY', 'DE', 'Germany');
    const by = await territory('REGION', 'DE-BY', 'Bavaria', de);
    await territory('CITY', 'DE-BY-MUC', 'Munich', by);
    const team = dataOf(
      await asAdmin(`mutation ($i: CreateTeamInput!) { createTeam(input: $i) { id } }`, { i: { name: 'Bavaria sales', leadId: 'u-head', memberIds: ['u-anna'], territoryIds: [by] } }),
    ).createTeam;

    const company = dataOf(
      await asAnna(`mutation ($t: ID) { createCompany(input: { name: "Brauerei Huber", teamId: $t, addresses: [{ type: OFFICE, city: "Munich", country: "DE" }] }) {
        id team { name lead { name } members { name teams { name } } territories { code } } territory { code path { code } } } }`, { t: team.id }),
    ).createCompany;
    expect(company).toMatchObject({
      team: { name: 'Bavaria sales', lead: { name: 'Hanna Head' }, members: [{ name: 'Anna Berg', teams: [{ name: 'Bavaria sales' }] }], territories: [{ code: 'DE-BY' }] },
      territory: { code: 'DE-BY-MUC', path: [{ code: 'DE' }, { code: 'DE-BY' }, { code: 'DE-BY-MUC' }] },
    });

    const pipeline = dataOf(await asAdmin(`mutation { createPipeline(input: { name: "Direct", stages: [{ name: "Offer", probability: 0.5 }] }) { id } }`)).createPipeline;
    const input = { title: 'Beer crates', companyId: company.id, pipelineId: pipeline.id, amount: 1200, currency: 'EUR', teamId: team.id };
    const deal = await waitFor(async () => (await asAnna(`mutation ($i: CreateDealInput!) { createDeal(input: $i) { id } }`, { i: input })).data?.createDeal, {
      what: 'deals to know the new company',
    });
    expect(dataOf(await asAnna(`query ($id: ID!) { deal(id: $id) { team { name lead { name } members { id } } } }`, { id: deal.id })).deal).toEqual({
      team: { name: 'Bavaria sales', lead: { name: 'Hanna Head' }, members: [{ id: 'u-anna' }] },
    });

    dataOf(await asAnna(`mutation { setWorkingHours(userId: "u-anna", hours: [{ weekday: 2, from: "07:30", to: "15:30" }]) { userId } }`));
    // The head may give anna a call once the activities service learnt their team (TeamChanged, docs/architecture.md "Roles and rights").
    const activity = await waitFor(
      async () =>
        (await asHead(`mutation ($i: CreateActivityInput!) { createActivity(input: $i) { id } }`, { i: { kind: 'CALL', subject: 'Call Huber', companyId: company.id, assigneeId: 'u-anna', dueAt: '2030-01-01T10:00:00Z' } })).data
          ?.createActivity,
      { what: 'activities to learn the team' },
    );
    expect(dataOf(await asHead(`query ($id: ID!) { activity(id: $id) { assignee { id name roles teams { name } workingHours { isDefault hours { weekday from to } } } } }`, { id: activity.id })).activity).toEqual({
      assignee: { id: 'u-anna', name: 'Anna Berg', roles: ['manager'], teams: [{ name: 'Bavaria sales' }], workingHours: { isDefault: false, hours: [{ weekday: 2, from: '07:30', to: '15:30' }] } },
    });

    // An assignee the directory does not know (never signed in) has no directory fields, but their working hours.
    // (An admin's: u-ghost is in no team of the head's.)
    const ghostly = dataOf(
      await asAdmin(`mutation ($i: CreateActivityInput!) { createActivity(input: $i) { id } }`, { i: { kind: 'TASK', subject: 'Unknown assignee', assigneeId: 'u-ghost', dueAt: '2030-01-01T10:00:00Z' } }),
    ).createActivity;
    const ghost = await asAdmin(`query ($id: ID!) { activity(id: $id) { subject assignee { id name workingHours { isDefault } } } }`, { id: ghostly.id });
    expect(dataOf(ghost).activity).toEqual({ subject: 'Unknown assignee', assignee: { id: 'u-ghost', name: null, workingHours: { isDefault: true } } });

    // Another tenant's deal naming this tenant's team id sees no team.
    const stranger = gatewayClient(stack.gatewayUrl, testIdentity(undefined, ['admin']));
    const theirCompany = dataOf(await stranger(`mutation { createCompany(input: { name: "Elsewhere" }) { id } }`)).createCompany;
    const theirPipeline = dataOf(await stranger(`mutation { createPipeline(input: { name: "P", stages: [{ name: "S", probability: 0.5 }] }) { id } }`)).createPipeline;
    const theirInput = { title: 'Foreign', companyId: theirCompany.id, pipelineId: theirPipeline.id, amount: 1, currency: 'EUR', teamId: team.id };
    const theirDeal = await waitFor(async () => (await stranger(`mutation ($i: CreateDealInput!) { createDeal(input: $i) { id } }`, { i: theirInput })).data?.createDeal, {
      what: 'deals to know the other company',
    });
    expect(dataOf(await stranger(`query ($id: ID!) { deal(id: $id) { teamId team { name } } }`, { id: theirDeal.id })).deal).toEqual({ teamId: team.id, team: null });
  });
});
