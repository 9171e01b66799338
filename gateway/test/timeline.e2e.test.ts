import { dataOf, errorCodes, gatewayClient, useStack, testIdentity, waitFor } from '@crm/testing';
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';

/** Each step waits on consumers of other services, which lag when the machine is busy (a bound, not a timing). */
const CONSUMER_WAIT_MS = 60_000;

const stack = useStack();

const TIMELINE = `query ($id: ID!, $first: Int, $after: String) {
  company(id: $id) {
    timeline(first: $first, after: $after) {
      edges { node {
        id kind summary actorId at
        ... on FieldChangeEntry { field from to }
        ... on ContactEntry { contact { fullName position } }
        ... on DealEntry { fromStage toStage deal { title status stage { name } } }
        ... on ActivityEntry { subject activity { kind subject status deal { title } } }
      } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

/**
 * A field change as the history writer records it from CompanyUpdated (modules/history). Written
 * into the stack's contacts database here because updateCompany comes with the contacts core work;
 * once it is merged, this is an `updateCompany` call.
 */
async function recordFieldChange(tenantId: string, userId: string, companyId: string, field: string, from: unknown, to: unknown) {
  const connection = await mongoose.createConnection(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017').asPromise();
  try {
    const contacts = stack.processes.find((process) => process.name === 'contacts')!.database!;
    await connection.useDb(contacts).collection('field_changes').insertOne({
      _id: `${randomUUID()}:0` as never,
      tenantId, entity: 'Company', entityId: companyId, field, from, to, actorId: userId, at: new Date(),
    });
  } finally {
    await connection.close();
  }
}

describe('the client timeline through the gateway', () => {
  /**
   * The timeline without activities of other stacks: any activities service on the shared broker
   * (another test's) answers this deal's stage change with a stage task of its own, which lands on
   * this company's timeline too; this stack's activities subgraph does not know those ids.
   */
  const own = (timeline: { edges: { node: any }[] }) => ({ ...timeline, edges: timeline.edges.filter(({ node }) => !node.kind.startsWith('ACTIVITY_') || node.activity) });

  it("merges the company's field changes, contacts, deals and activities newest first, with entities from their own subgraphs", async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const manager = testIdentity(head.tenantId, ['manager']);
    const asHead = gatewayClient(stack.gatewayUrl, head);
    const asManager = gatewayClient(stack.gatewayUrl, manager);

    const { createCompany: company } = dataOf(await asManager(`mutation { createCompany(input: { name: "Cleanwell Facilities" }) { id } }`));
    const { createContact: contact } = dataOf(
      await asManager(`mutation ($c: ID) { createContact(input: { firstName: "Maria", lastName: "Ortega", companyId: $c, position: "COO" }) { id } }`, { c: company.id }),
    );
    await recordFieldChange(manager.tenantId, manager.userId, company.id, 'industry', null, 'Facility services');

    const { createPipeline: pipeline } = dataOf(
      await asHead(`mutation { createPipeline(input: { name: "Cleaning", stages: [{ name: "Prospect", probability: 0.1 }, { name: "Meeting agreed", probability: 0.3 }] }) { id stages { id } } }`),
    );
    const input = { title: 'Office cleaning 2027', companyId: company.id, pipelineId: pipeline.id, amount: 48000, currency: 'EUR' };
    const deal = await waitFor(async () => (await asManager(`mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`, { input })).data?.createDeal, {
      what: 'deals to know the new company',
      timeoutMs: CONSUMER_WAIT_MS,
    });
    dataOf(await asManager(`mutation ($id: ID!, $s: ID!) { moveDealToStage(id: $id, stageId: $s) { id } }`, { id: deal.id, s: pipeline.stages[1].id }));
    // The move makes the activities service plan a task; the call is recorded after it.
    await waitFor(async () => dataOf(await asManager(`query ($id: ID!) { deal(id: $id) { activities { id } } }`, { id: deal.id })).deal.activities.length === 1, {
      what: 'the stage task',
      timeoutMs: CONSUMER_WAIT_MS,
    });
    const { createActivity: call } = dataOf(await asManager(`mutation ($d: ID) { createActivity(input: { kind: CALL, subject: "Site visit agreed", dealId: $d }) { id } }`, { d: deal.id }));
    await waitFor(
      async () => own(dataOf(await asManager(TIMELINE, { id: company.id })).company.timeline).edges.length === 7,
      { what: 'the call on the timeline before it is completed', timeoutMs: CONSUMER_WAIT_MS },
    );
    dataOf(await asManager(`mutation ($id: ID!) { completeActivity(id: $id) { status } }`, { id: call.id }));

    const timeline = await waitFor(
      async () => {
        const seen = own(dataOf(await asManager(TIMELINE, { id: company.id })).company.timeline);
        return seen.edges.length === 8 ? seen : undefined;
      },
      { what: 'the timeline to hold the company, contact, change, deal, move, task, call and its completion', timeoutMs: CONSUMER_WAIT_MS },
    );
    const nodes = timeline.edges.map((edge: { node: any }) => edge.node);
    expect(nodes.map((node: any) => node.kind)).toEqual(['ACTIVITY_COMPLETED', 'ACTIVITY_CREATED', 'ACTIVITY_CREATED', 'DEAL_STAGE_CHANGED', 'DEAL_CREATED', 'FIELD_CHANGED', 'CONTACT_ADDED', 'CREATED']);
    const times = nodes.map((node: any) => Date.parse(node.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The activity as it is now (DONE, from the activities subgraph) beside what each entry said then.
    const callNow = { kind: 'CALL', subject: 'Site visit agreed', status: 'DONE', deal: { title: 'Office cleaning 2027' } };
    expect(nodes[0]).toMatchObject({ summary: 'Call done: Site visit agreed', actorId: manager.userId, activity: callNow });
    expect(nodes[1]).toMatchObject({ summary: 'Call planned: Site visit agreed', actorId: manager.userId, activity: callNow });
    expect(nodes[2]).toMatchObject({ subject: 'Stage Meeting agreed: Office cleaning 2027', activity: { kind: 'TASK', deal: { title: 'Office cleaning 2027' } } });
    // The deal as it is now (deals subgraph) beside what the entry said then.
    const dealNow = { title: 'Office cleaning 2027', status: 'OPEN', stage: { name: 'Meeting agreed' } };
    expect(nodes[3]).toMatchObject({ fromStage: 'Prospect', toStage: 'Meeting agreed', actorId: manager.userId, deal: dealNow });
    expect(nodes[4]).toMatchObject({ summary: 'Deal "Office cleaning 2027" opened in stage Prospect (48000 EUR)', toStage: 'Prospect', deal: dealNow });
    expect(nodes[5]).toMatchObject({ field: 'industry', from: null, to: 'Facility services', summary: 'industry changed from empty to "Facility services"' });
    expect(nodes[6]).toMatchObject({ contact: { fullName: 'Maria Ortega', position: 'COO' } });
    expect(nodes[7]).toMatchObject({ summary: 'Company "Cleanwell Facilities" created', actorId: manager.userId });

    // Page by page through the gateway: the same entries, once each, in the same order.
    const paged: string[] = [];
    for (let after: string | undefined, more = true; more; ) {
      const page = dataOf(await asManager(TIMELINE, { id: company.id, first: 3, after })).company.timeline;
      paged.push(...own(page).edges.map((edge: { node: { id: string } }) => edge.node.id));
      more = page.pageInfo.hasNextPage;
      after = page.pageInfo.endCursor;
    }
    expect(paged).toEqual(nodes.map((node: { id: string }) => node.id));

    // The contact's own timeline.
    const { contact: person } = dataOf(await asManager(`query ($id: ID!) { contact(id: $id) { timeline { edges { node { kind summary } } } } }`, { id: contact.id }));
    expect(person.timeline.edges).toEqual([{ node: { kind: 'CREATED', summary: 'Contact "Maria Ortega" created' } }]);

    // Another tenant sees no company, hence no timeline; bad arguments are refused with a code.
    const asStranger = gatewayClient(stack.gatewayUrl, testIdentity(undefined, ['admin']));
    expect(dataOf(await asStranger(TIMELINE, { id: company.id })).company).toBeNull();
    expect(errorCodes(await asManager(TIMELINE, { id: company.id, first: 101 }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await asManager(TIMELINE, { id: company.id, after: 'not-a-cursor' }))).toEqual(['BAD_USER_INPUT']);
  }, 5 * CONSUMER_WAIT_MS);
});
