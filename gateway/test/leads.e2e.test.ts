// Leads end to end through the gateway: a web form posts leads to the webhook with its tenant's
// API key, they are routed at once, and a conversion yields a company and a contact (contacts)
// and the deal (deals, from LeadConverted) with the id derived from the lead.
import { createHash } from 'node:crypto';
import { dataOf, errorCodes, gatewayClient, useStack, testIdentity, waitFor } from '@crm/testing';
import mongoose, { Types } from 'mongoose';

const stack = useStack();

/** A team in the contacts service's store (the directory's API is another module's): its id. */
async function insertTeam(tenantId: string, memberIds: string[]): Promise<string> {
  const database = stack.processes.find((process) => process.name === 'contacts')!.database!;
  const connection = await mongoose.createConnection(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017', { dbName: database }).asPromise();
  try {
    const _id = new Types.ObjectId();
    const now = new Date();
    await connection.collection('teams').insertOne({ _id, tenantId, name: 'Inbound', leadId: 'head-1', memberIds, territoryIds: [], industries: [], keyCompanyIds: [], revision: 0, deleted: false, createdAt: now, updatedAt: now });
    return _id.toString();
  } finally {
    await connection.close();
  }
}

/** The id a conversion gives a record of the lead: as contacts derives it (modules/lead/lead-ids.ts). */
const derivedId = (leadId: string, step: string) => `${leadId.slice(0, 8)}${createHash('sha256').update(`lead:${leadId}:${step}`).digest('hex').slice(0, 16)}`;

describe('leads through the gateway', () => {
  it('a web form posts leads with its API key (201, then 200 for the same external id; 401 and 400 as JSON), routed at once', async () => {
    const admin = testIdentity(undefined, ['admin', 'head_of_sales']);
    const asAdmin = gatewayClient(stack.gatewayUrl, admin);
    const teamId = await insertTeam(admin.tenantId, ['anna', 'ben']);
    dataOf(await asAdmin(`mutation ($teamId: ID!) { createRoutingRule(input: { name: "forms", teamId: $teamId, method: ROUND_ROBIN, slaMinutes: 15 }) { id } }`, { teamId }));
    const key = dataOf(await asAdmin(`mutation { createLeadApiKey(channel: WEB_FORM, name: "Main site") { secret } }`)).createLeadApiKey.secret as string;

    const webhook = stack.gatewayUrl.replace(/\/graphql$/, '/webhooks/leads');
    const post = async (body: string, headers: Record<string, string> = { 'x-api-key': key }) => {
      const response = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      return { status: response.status, body: (await response.json()) as any };
    };
    const lead = JSON.stringify({ externalId: 'form-1001', name: 'Mara Huber', email: 'mara@example.com', companyName: 'Huber Logistik', utm_source: 'newsletter' });
    const first = await post(lead);
    expect(first).toEqual({ status: 201, body: { leadId: expect.any(String), status: 'ASSIGNED', created: true } });
    expect(await post(lead)).toEqual({ status: 200, body: { leadId: first.body.leadId, status: 'ASSIGNED', created: false } });

    expect(await post(lead, {})).toEqual({ status: 401, body: { errors: [{ message: 'send the lead API key as x-api-key', extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect((await post(lead, { 'x-api-key': key.slice(0, -3) + 'abc' })).status).toBe(401);
    expect((await post('[1, 2]')).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await post(JSON.stringify({ blob: 'x'.repeat(65 * 1024) }))).status).toBe(413);

    const stored = dataOf(await asAdmin(`query ($id: ID!) { lead(id: $id) { source externalId name status assigneeId teamId raw assignments { method } } }`, { id: first.body.leadId })).lead;
    expect(stored).toEqual({
      source: 'WEB_FORM',
      externalId: 'form-1001',
      name: 'Mara Huber',
      status: 'ASSIGNED',
      assigneeId: 'anna',
      teamId,
      raw: { externalId: 'form-1001', name: 'Mara Huber', email: 'mara@example.com', companyName: 'Huber Logistik', utm_source: 'newsletter' },
      assignments: [{ method: 'ROUND_ROBIN' }],
    });
    // A user token is no webhook key, and the key gives no GraphQL access.
    expect((await post(lead, { authorization: 'Bearer whatever' })).status).toBe(401);
    const other = testIdentity(undefined, ['admin']);
    expect(dataOf(await gatewayClient(stack.gatewayUrl, other)(`query ($id: ID!) { lead(id: $id) { id } }`, { id: first.body.leadId })).lead).toBeNull();
  });

  it('converting a lead makes a company, a contact and (in deals) the deal with the derived id, once', async () => {
    const head = testIdentity(undefined, ['admin', 'head_of_sales']);
    const asHead = gatewayClient(stack.gatewayUrl, head);
    const teamId = await insertTeam(head.tenantId, [head.userId]);
    dataOf(await asHead(`mutation ($teamId: ID!) { createRoutingRule(input: { name: "all", teamId: $teamId, method: ROUND_ROBIN }) { id } }`, { teamId }));
    const pipeline = dataOf(await asHead(`mutation { createPipeline(input: { name: "Inbound", stages: [{ name: "Prospect", probability: 0.1 }, { name: "Won", probability: 1, kind: WON }] }) { id stages { id name } } }`)).createPipeline;
    const lead = dataOf(await asHead(`mutation { createLead(input: { source: CALL, name: "Ida Berg", email: "ida@example.com", companyName: "Berg Facility AG", industry: "Facility management" }) { id assigneeId } }`)).createLead;
    expect(lead.assigneeId).toBe(head.userId);

    const CONVERT = `mutation ($id: ID!, $input: ConvertLeadInput) { convertLead(id: $id, input: $input) { status conversion { companyId contactId dealId company { name industry } contact { fullName } } } }`;
    const input = { deal: { pipelineId: pipeline.id, title: 'Facility cleaning', amount: 36000, currency: 'EUR' } };
    const converted = dataOf(await asHead(CONVERT, { id: lead.id, input })).convertLead;
    const ids = { companyId: derivedId(lead.id, 'company'), contactId: derivedId(lead.id, 'contact'), dealId: derivedId(lead.id, 'deal') };
    expect(converted).toEqual({ status: 'CONVERTED', conversion: { ...ids, company: { name: 'Berg Facility AG', industry: 'Facility management' }, contact: { fullName: 'Ida Berg' } } });
    // A second call changes nothing.
    expect(dataOf(await asHead(CONVERT, { id: lead.id, input })).convertLead).toEqual(converted);

    const DEAL = `query ($id: ID!) { deal(id: $id) { id title amount currency ownerId status stage { name } company { id name } } }`;
    const deal = await waitFor(async () => dataOf(await asHead(DEAL, { id: ids.dealId })).deal, { timeoutMs: 30_000, what: 'the deals service to create the deal of the conversion' });
    expect(deal).toEqual({ id: ids.dealId, title: 'Facility cleaning', amount: 36000, currency: 'EUR', ownerId: head.userId, status: 'OPEN', stage: { name: 'Prospect' }, company: { id: ids.companyId, name: 'Berg Facility AG' } });
    const COMPANY_DEALS = `query ($id: ID!) { company(id: $id) { deals { id } } }`;
    expect(dataOf(await asHead(COMPANY_DEALS, { id: ids.companyId })).company.deals).toEqual([{ id: ids.dealId }]);
    // Another tenant reaches none of it.
    const stranger = gatewayClient(stack.gatewayUrl, testIdentity(undefined, ['admin']));
    expect(dataOf(await stranger(DEAL, { id: ids.dealId })).deal).toBeNull();
    expect(errorCodes(await stranger(CONVERT, { id: lead.id }))).toEqual(['NOT_FOUND']);
  });
});
