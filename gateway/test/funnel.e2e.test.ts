// Pipelines from templates, deals with contacts, guided selling, won/lost/post-sale and the
// funnel, end to end through the gateway and the four real services.
import { dataOf, errorCodes, gatewayClient, useStack, testIdentity, waitFor } from '@crm/testing';

const stack = useStack();

describe('the sales funnel through the gateway', () => {
  it('runs a cleaning deal from a template to paid in full, lost and reopened deals beside it, and the funnel counts each win once', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const manager = testIdentity(head.tenantId, ['manager']);
    const asHead = gatewayClient(stack.gatewayUrl, head);
    const asManager = gatewayClient(stack.gatewayUrl, manager);

    const { createCompany: company } = dataOf(await asManager(`mutation { createCompany(input: { name: "Brightway Offices", website: "brightway.example" }) { id } }`));
    const { createContact: contact } = dataOf(
      await asManager(`mutation ($c: ID) { createContact(input: { firstName: "Lena", lastName: "Vogt", email: "lena@brightway.example", companyId: $c }) { id } }`, { c: company.id }),
    );
    const { createPipelineFromTemplate: pipeline } = dataOf(
      await asHead(`mutation { createPipelineFromTemplate(key: "cleaning-services") { id stages { id name kind keySteps { id } } } }`),
    );
    const stage = (name: string) => pipeline.stages.find((s: { name: string }) => s.name === name);
    // A LOST stage added by the tenant (the template lists none), and ENFORCE strictness.
    const stages = pipeline.stages.map(({ id, name, kind }: any, i: number) => ({ id, name, kind, probability: kind === 'OPEN' ? i / 10 : 1, keySteps: [], result: null }));
    const { updatePipeline } = dataOf(
      await asHead(`mutation ($id: ID!, $input: UpdatePipelineInput!) { updatePipeline(id: $id, input: $input) { strictness stages { id name kind } } }`, {
        id: pipeline.id,
        input: { strictness: 'ENFORCE', stages: [...stages.slice(0, 1).map((s: any) => ({ ...s, result: 'Decision maker known', keySteps: [{ title: 'Find the facility manager', role: 'MANAGER' }] })), ...stages.slice(1), { name: 'Lost', probability: 0, kind: 'LOST' }] },
      }),
    );
    expect(updatePipeline.strictness).toBe('ENFORCE');
    const lostStage = updatePipeline.stages.find((s: { kind: string }) => s.kind === 'LOST');
    const prospect = dataOf(await asHead(`query ($id: ID!) { pipeline(id: $id) { stages { id keySteps { id } } } }`, { id: pipeline.id })).pipeline.stages[0];

    const createDeal = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`;
    const input = { title: 'Office cleaning', companyId: company.id, pipelineId: pipeline.id, currency: 'EUR', contacts: [{ contactId: contact.id, role: 'Decision maker' }], lineItems: [{ product: 'Daily cleaning', quantity: 12, unitPrice: 900 }] };
    const deal = await waitFor(async () => (await asManager(createDeal, { input })).data?.createDeal, { what: 'deals to know the new company' });
    const lost = dataOf(await asManager(createDeal, { input: { ...input, title: 'Windows' } })).createDeal;

    const move = `mutation ($id: ID!, $stageId: ID!, $lostReason: String) { moveDealToStage(id: $id, stageId: $stageId, lostReason: $lostReason) { status stage { name } } }`;
    const refused = await asManager(move, { id: deal.id, stageId: stage('Contact made').id });
    expect(errorCodes(refused)).toEqual(['FAILED_PRECONDITION']);
    expect(refused.errors?.[0]?.extensions?.missing).toEqual(['Find the facility manager', 'result']);
    dataOf(await asManager(`mutation ($d: ID!, $s: ID!) { completeKeyStep(dealId: $d, stepId: $s) { id } }`, { d: deal.id, s: prospect.keySteps[0].id }));
    dataOf(await asManager(`mutation ($d: ID!) { recordStageResult(dealId: $d, text: "Lena Vogt decides") { id } }`, { d: deal.id }));
    for (const name of ['Contact made', 'Contract signed', 'Handed to delivery', 'Paid in full']) dataOf(await asManager(move, { id: deal.id, stageId: stage(name).id }));
    expect(dataOf(await asManager(move, { id: lost.id, stageId: lostStage.id, lostReason: 'Price too high' })).moveDealToStage.status).toBe('LOST');
    // Reopening past the stage it was lost from passes that stage: its key step and result first (ENFORCE).
    const reopen = `mutation ($id: ID!, $s: ID!) { reopenDeal(id: $id, stageId: $s) { id } }`;
    expect(errorCodes(await asManager(reopen, { id: lost.id, s: stage('Contact made').id }))).toEqual(['FAILED_PRECONDITION']);
    dataOf(await asManager(reopen, { id: lost.id, s: stage('Prospect').id }));
    dataOf(await asManager(`mutation ($d: ID!, $s: ID!) { completeKeyStep(dealId: $d, stepId: $s) { id } }`, { d: lost.id, s: prospect.keySteps[0].id }));
    dataOf(await asManager(`mutation ($d: ID!) { recordStageResult(dealId: $d, text: "Facility manager found") { id } }`, { d: lost.id }));
    dataOf(await asManager(move, { id: lost.id, stageId: stage('Contact made').id }));

    const view = await waitFor(
      async () => {
        const { deal: seen } = dataOf(
          await asManager(
            `query ($id: ID!) { deal(id: $id) { status amount stage { name kind } contacts { role contact { id fullName } }
              stageHistory { to { name } durationSeconds } pipeline { funnel { totalDeals overallConversion stages { name reached } } } } }`,
            { id: deal.id },
          ),
        );
        const reached = Object.fromEntries(seen.pipeline.funnel.stages.map((s: { name: string; reached: number }) => [s.name, s.reached]));
        return reached['Paid in full'] === 1 && reached['Contact made'] === 2 ? seen : undefined;
      },
      { what: 'the funnel to catch up' },
    );
    expect(view).toMatchObject({ status: 'WON', amount: 10800, stage: { name: 'Paid in full', kind: 'POST_SALE' }, contacts: [{ role: 'Decision maker', contact: { id: contact.id, fullName: 'Lena Vogt' } }] });
    expect(view.stageHistory).toHaveLength(5);
    const funnel = view.pipeline.funnel;
    expect(funnel.stages.map((s: { name: string }) => s.name)).not.toContain('Lost');
    expect(funnel).toMatchObject({ totalDeals: 2, overallConversion: 0.5 });
    expect(funnel.stages.find((s: { name: string }) => s.name === 'Contract signed').reached).toBe(1);

    // Another tenant sees none of it.
    const asEve = gatewayClient(stack.gatewayUrl, testIdentity(undefined, ['admin']));
    expect(dataOf(await asEve(`query ($id: ID!) { deal(id: $id) { id } }`, { id: deal.id })).deal).toBeNull();
    expect(errorCodes(await asEve(`mutation ($id: ID!) { reopenDeal(id: $id, stageId: "${stage('Prospect').id}") { id } }`, { id: lost.id }))).toEqual(['NOT_FOUND']);
  });
});
