// Issue 9, activities through the gateway: stage entry creates its key-step tasks once, a win its
// follow-ups; a company card pages its activities, a person shows their last touch; calendar and time norms.
import { dataOf, errorCodes, gatewayClient, useStack, testIdentity, waitFor } from '@crm/testing';

const stack = useStack();

describe('activities through the gateway', () => {
  it('turns stage entries and a win into tasks once, and shows activities on the company and the person', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const manager = testIdentity(head.tenantId, ['manager']);
    const asHead = gatewayClient(stack.gatewayUrl, head);
    const asManager = gatewayClient(stack.gatewayUrl, manager);

    const { createCompany: company } = dataOf(await asManager(`mutation { createCompany(input: { name: "Nordwind Logistics" }) { id } }`));
    const { createContact: person } = dataOf(await asManager(`mutation ($c: ID) { createContact(input: { firstName: "Jonas", lastName: "Berg", companyId: $c }) { id } }`, { c: company.id }));
    const { createPipeline: pipeline } = dataOf(
      await asHead(`mutation { createPipeline(input: { name: "Distribution", followUps: [{ title: "Call about the first delivery", role: "MANAGER", afterDays: 3 }], stages: [
        { name: "Planned order", probability: 0.1 },
        { name: "Volumes agreed", probability: 0.5, expectedDurationDays: 5, keySteps: [{ title: "Check the stock", role: "MANAGER" }, { title: "Approve the price", role: "head of sales" }] },
        { name: "Realised", probability: 1, kind: WON } ] }) { id stages { id } } }`),
    );
    const createDeal = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`;
    const input = { title: 'Pallet racks', companyId: company.id, pipelineId: pipeline.id, amount: 12000, currency: 'EUR' };
    const deal = await waitFor(async () => (await asManager(createDeal, { input })).data?.createDeal, { what: 'deals to know the company' });
    const move = `mutation ($id: ID!, $stageId: ID!) { moveDealToStage(id: $id, stageId: $stageId) { id } }`;
    dataOf(await asManager(move, { id: deal.id, stageId: pipeline.stages[1].id }));

    const DEAL = `query ($id: ID!) { deal(id: $id) { activities(first: 50) { subject dueAt assigneeId status } } }`;
    const subjects = async () => (dataOf(await asManager(DEAL, { id: deal.id })).deal.activities as { subject: string }[]).map((a) => a.subject).sort();
    await waitFor(async () => (await subjects()).length >= 3, { what: 'the stage and key-step tasks' });
    dataOf(await asManager(move, { id: deal.id, stageId: pipeline.stages[2].id }));
    await waitFor(async () => (await subjects()).includes('Call about the first delivery: Pallet racks'), { what: 'the follow-up of the win' });
    expect(await subjects()).toEqual([
      'Approve the price: Pallet racks',
      'Call about the first delivery: Pallet racks',
      'Check the stock: Pallet racks',
      'Stage Realised: Pallet racks',
      'Stage Volumes agreed: Pallet racks',
    ]);

    // A call with the person, done: the company card pages it, the person shows it as the last touch.
    const { createActivity: call } = dataOf(
      await asManager(`mutation ($c: ID, $p: [ID!]) { createActivity(input: { kind: CALL, subject: "Delivery date", companyId: $c, contactIds: $p, reminders: [10], dueAt: "2031-01-10T09:00:00Z" }) { id } }`, {
        c: company.id,
        p: [person.id],
      }),
    );
    dataOf(await asManager(`mutation ($id: ID!) { completeActivity(id: $id, outcome: "Delivery on Friday", durationMinutes: 9) { status } }`, { id: call.id }));
    const CARD = `query ($c: ID!, $p: ID!) {
      company(id: $c) { name activities(first: 5, filter: { kinds: [CALL] }) { totalCount edges { node { subject outcome durationMinutes status company { name } contacts { fullName } } } } }
      contact(id: $p) { fullName lastTouch { kind activity { subject } } } }`;
    const card = await waitFor(async () => {
      const seen = dataOf(await asManager(CARD, { c: company.id, p: person.id }));
      return seen.contact.lastTouch && seen;
    }, { what: 'the last touch' });
    expect(card).toEqual({
      company: {
        name: 'Nordwind Logistics',
        activities: { totalCount: 1, edges: [{ node: { subject: 'Delivery date', outcome: 'Delivery on Friday', durationMinutes: 9, status: 'DONE', company: { name: 'Nordwind Logistics' }, contacts: [{ fullName: 'Jonas Berg' }] } }] },
      },
      contact: { fullName: 'Jonas Berg', lastTouch: { kind: 'CALL', activity: { subject: 'Delivery date' } } },
    });
  });

  it('serves the calendar and the time norms', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const asAdmin = gatewayClient(stack.gatewayUrl, admin);
    dataOf(await asAdmin(`mutation { setTenantTimeZone(timeZone: "Europe/Berlin") { timeZone } }`));
    dataOf(await asAdmin(`mutation { createActivity(input: { kind: MEETING, place: ON_SITE, subject: "Night install", startAt: "2026-10-24T21:00:00Z", endAt: "2026-10-25T03:00:00Z" }) { id } }`));
    const agenda = dataOf(await asAdmin(`{ agenda(from: "2026-10-24T22:00:00Z", to: "2026-10-25T23:00:00Z") { timeZone activities { subject place } } }`)).agenda;
    expect(agenda).toEqual({ timeZone: 'Europe/Berlin', activities: [{ subject: 'Night install', place: 'ON_SITE' }] });
    const norms = dataOf(await asAdmin(`mutation { setTimeNorms(norms: [{ operation: MEETING_ON_SITE, minutes: 240 }]) { operation minutes isDefault } }`)).setTimeNorms;
    expect(norms).toHaveLength(12);
    expect(norms.find((n: { operation: string }) => n.operation === 'MEETING_ON_SITE')).toEqual({ operation: 'MEETING_ON_SITE', minutes: 240, isDefault: false });
    expect(errorCodes(await asAdmin(`mutation { setTimeNorms(norms: [{ operation: CALL, minutes: 0 }]) { operation } }`))).toEqual(['BAD_USER_INPUT']);
  });
});
