import type { Identity } from '@crm/auth';
import { dataOf, waitFor } from '@crm/testing';
import { gatewayClient } from '@crm/testing';
import type { TenantIds } from './values';

/**
 * A tenant's records, made through the gateway: companies with contacts, a pipeline, deals
 * and activities. Every text carries `marker`, so that an answer to another tenant that
 * contains it has leaked this tenant's data.
 */
export async function seedTenant(gatewayUrl: string, identity: Identity, marker: string, { companies = 2, contactsPerCompany = 3 } = {}): Promise<TenantIds> {
  const as = gatewayClient(gatewayUrl, identity);
  const ids: TenantIds = { tenantId: identity.tenantId, userId: identity.userId, company: [], contact: [], pipeline: [], stage: [], deal: [], activity: [] };
  for (let c = 0; c < companies; c++) {
    const { createCompany } = dataOf(
      await as(`mutation ($input: CreateCompanyInput!) { createCompany(input: $input) { id } }`, {
        input: { name: `${marker} company ${c}`, website: `https://${marker.toLowerCase()}-${c}.example`, industry: marker, taxId: `${marker} ${c}` },
      }),
    );
    ids.company.push(createCompany.id);
    for (let p = 0; p < contactsPerCompany; p++) {
      const input = { firstName: marker, lastName: `${marker} ${p}`, email: `${marker.toLowerCase()}.${c}.${p}@example.com`, phone: '+14155550123', companyId: createCompany.id, position: marker };
      ids.contact.push(dataOf(await as(`mutation ($input: CreateContactInput!) { createContact(input: $input) { id } }`, { input })).createContact.id);
    }
  }
  const { createPipeline } = dataOf(
    await as(`mutation ($input: CreatePipelineInput!) { createPipeline(input: $input) { id stages { id } } }`, {
      input: { name: `${marker} pipeline`, stages: [0, 1, 2].map((s) => ({ name: `${marker} stage ${s}`, probability: s / 2 })) },
    }),
  );
  ids.pipeline.push(createPipeline.id);
  ids.stage.push(...createPipeline.stages.map((stage: { id: string }) => stage.id));
  const createDeal = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`;
  for (const companyId of ids.company) {
    const input = { title: `${marker} deal`, companyId, pipelineId: createPipeline.id, amount: 1234.5, currency: 'EUR' };
    // Deals learns of a company from its CompanyCreated event.
    const deal = await waitFor(async () => (await as(createDeal, { input })).data?.createDeal, { what: 'deals to know the seeded company' });
    ids.deal.push(deal.id);
    const activity = { kind: 'CALL', subject: `${marker} call`, dealId: deal.id, dueAt: '2030-01-01T10:00:00Z' };
    ids.activity.push(dataOf(await as(`mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id } }`, { input: activity })).createActivity.id);
  }
  return ids;
}
