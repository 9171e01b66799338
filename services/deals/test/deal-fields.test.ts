// Deals in depth: contacts with roles, line items, team, territory, source, custom fields,
// updateDeal with its change log and DealUpdated, and staleDeals.
import { readTopics } from '@crm/messaging/testing';
import { parseEvent, topics } from '@crm/events';
import { PolicyRoleModel, policyKey } from '@crm/policy';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { Types } from 'mongoose';
import { DealModel } from '../src/modules/deal/deal.model';
import { startDeals } from '../src/service';
import { closeFixtures, createPipelineFrom, guidedStages, publishCompany } from './fixtures';

const service = serviceUnderTest('deals', startDeals);
type Caller = ReturnType<typeof testIdentity>;
const call = (identity: Caller, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);

const FIELDS = `id title amount currency ownerId teamId territoryId expectedCloseDate source customFields
  contacts { contact { id } role } lineItems { product quantity unitPrice discountPercent total }
  changeLog { changedBy changes { field from to } }`;
const CREATE = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateDealInput!) { updateDeal(id: $id, input: $input) { ${FIELDS} } }`;

afterAll(closeFixtures);

const contactA = new Types.ObjectId().toString();
const contactB = new Types.ObjectId().toString();

async function setup(identity: Caller = testIdentity(undefined, ['manager'])) {
  const [companyId, pipeline] = await Promise.all([publishCompany(identity), createPipelineFrom(service.url, testIdentity(identity.tenantId, ['admin']), { stages: guidedStages })]);
  return { identity, companyId, pipeline, base: { title: 'Fit-out cleaning', companyId, pipelineId: pipeline.id, currency: 'EUR' } };
}

describe('deal fields', () => {
  it('stores contacts with roles, line items (the amount follows from them), team, territory, close date, source and custom fields', async () => {
    const { identity, base } = await setup();
    const input = {
      ...base,
      teamId: 'team-north',
      territoryId: 'berlin',
      expectedCloseDate: '2030-09-30',
      source: 'REFERRAL',
      customFields: { floors: 3, weekendService: true, surfaces: ['carpet', 'tiles'] },
      contacts: [{ contactId: contactA, role: 'Decision maker' }, { contactId: contactB }],
      lineItems: [
        { product: 'SKU-OFFICE-M2', quantity: 1200, unitPrice: 1.5, discountPercent: 10 },
        { product: 'Window cleaning', quantity: 4, unitPrice: 250 },
      ],
    };
    const reader = await readTopics([topics.deal]);
    const deal = dataOf(await call(identity, CREATE, { input })).createDeal;
    try {
      // DealCreated carries the line items as stored, so that analytics knows the products from the start.
      const message = await reader.waitFor((m) => m.key === deal.id && m.event?.type === 'DealCreated');
      expect(parseEvent(message.event).data).toMatchObject({
        amount: 2620,
        lineItems: [
          { product: 'SKU-OFFICE-M2', quantity: 1200, unitPrice: 1.5, discountPercent: 10 },
          { product: 'Window cleaning', quantity: 4, unitPrice: 250, discountPercent: 0 },
        ],
      });
    } finally {
      await reader.close();
    }
    expect(deal).toMatchObject({
      amount: 2620,
      teamId: 'team-north',
      territoryId: 'berlin',
      expectedCloseDate: '2030-09-30',
      source: 'REFERRAL',
      customFields: { floors: 3, weekendService: true, surfaces: ['carpet', 'tiles'] },
      contacts: [
        { contact: { id: contactA }, role: 'Decision maker' },
        { contact: { id: contactB }, role: null },
      ],
      lineItems: [
        { product: 'SKU-OFFICE-M2', quantity: 1200, unitPrice: 1.5, discountPercent: 10, total: 1620 },
        { product: 'Window cleaning', quantity: 4, unitPrice: 250, discountPercent: 0, total: 1000 },
      ],
    });
    expect(errorCodes(await call(identity, CREATE, { input: { ...input, amount: 999 } }))).toEqual(['BAD_USER_INPUT']);
    expect(dataOf(await call(identity, CREATE, { input: { ...input, amount: 2620 } })).createDeal.amount).toBe(2620);
  });

  it.each([
    [{ amount: undefined }, 'amount'],
    [{ currency: 'ABC' }, 'currency'],
    [{ expectedCloseDate: '2030-02-30' }, 'expectedCloseDate'],
    [{ expectedCloseDate: 'next week' }, 'expectedCloseDate'],
    [{ source: 'TV' }, undefined],
    [{ contacts: [{ contactId: 'not-an-id' }] }, 'contacts.0.contactId'],
    [{ contacts: [{ contactId: contactA }, { contactId: contactA }] }, 'contacts'],
    [{ lineItems: [{ product: 'X', quantity: 0, unitPrice: 1 }] }, 'lineItems.0.quantity'],
    [{ lineItems: [{ product: 'X', quantity: 1, unitPrice: 1, discountPercent: 120 }] }, 'lineItems.0.discountPercent'],
    [{ lineItems: Array.from({ length: 101 }, () => ({ product: 'X', quantity: 1, unitPrice: 1 })) }, 'lineItems'],
    // Each line at most 1e13, the amount they make 2e13: over the largest amount.
    [{ amount: undefined, lineItems: [{ product: 'X', quantity: 1000, unitPrice: 1e10 }, { product: 'Y', quantity: 1000, unitPrice: 1e10 }] }, 'lineItems'],
    [{ customFields: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}`, i])) }, 'customFields'],
    [{ customFields: { nested: { deep: true } } }, 'customFields.nested'],
    [{ customFields: { 'bad key': 1 } }, 'customFields.bad key'],
    [{ teamId: 'x'.repeat(65) }, 'teamId'],
  ])('refuses %j (BAD_USER_INPUT on %s) and stores nothing', async (change, field) => {
    const { identity, base } = await setup();
    const answer = await call(identity, CREATE, { input: { ...base, amount: 10, ...change } });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    if (field) expect(answer.errors?.[0]?.extensions?.field).toBe(field);
    expect(await DealModel.countDocuments({ tenantId: identity.tenantId })).toBe(0);
  });

  it('takes custom fields up to 16 KB as JSON and refuses more (BAD_USER_INPUT on customFields), on create and on update', async () => {
    const { identity, base } = await setup();
    // 16 strings of 1,000 characters: about 16,050 characters as JSON; 17: over 16,384.
    const notes = (count: number) => ({ notes: Array.from({ length: count }, () => 'x'.repeat(1000)) });
    const deal = dataOf(await call(identity, CREATE, { input: { ...base, amount: 10, customFields: notes(16) } })).createDeal;
    const created = await call(identity, CREATE, { input: { ...base, amount: 10, customFields: notes(17) } });
    expect(errorCodes(created)).toEqual(['BAD_USER_INPUT']);
    expect(created.errors?.[0]?.extensions?.field).toBe('customFields');
    const updated = await call(identity, UPDATE, { id: deal.id, input: { customFields: { ...notes(16), more: 'y'.repeat(400) } } });
    expect(errorCodes(updated)).toEqual(['BAD_USER_INPUT']);
    expect(updated.errors?.[0]?.extensions?.field).toBe('customFields');
    expect(await DealModel.countDocuments({ tenantId: identity.tenantId })).toBe(1);
    expect((await DealModel.findById(deal.id).lean())?.changeLog).toEqual([]);
  });
});

describe('updateDeal', () => {
  it('changes the given fields, records the change and publishes DealUpdated with exactly the changed fields', async () => {
    const { identity, base } = await setup();
    const reader = await readTopics([topics.deal]);
    try {
      const deal = dataOf(await call(identity, CREATE, { input: { ...base, amount: 1000, teamId: 'team-a', customFields: { a: 1, b: 'x' } } })).createDeal;
      const updated = dataOf(
        await call(identity, UPDATE, {
          id: deal.id,
          input: { title: 'Fit-out cleaning, 2 sites', teamId: null, currency: 'usd', customFields: { b: 'x', a: 1 }, contacts: [{ contactId: contactA, role: 'Buyer' }] },
        }),
      ).updateDeal;
      expect(updated).toMatchObject({ title: 'Fit-out cleaning, 2 sites', teamId: null, currency: 'USD', amount: 1000, contacts: [{ contact: { id: contactA }, role: 'Buyer' }] });
      const expected = [
        { field: 'title', from: 'Fit-out cleaning', to: 'Fit-out cleaning, 2 sites' },
        { field: 'currency', from: 'EUR', to: 'USD' },
        { field: 'teamId', from: 'team-a', to: null },
        { field: 'contacts', from: [], to: [{ contactId: contactA, role: 'Buyer' }] },
      ];
      expect(updated.changeLog).toEqual([{ changedBy: identity.userId, changes: expected }]); // same custom fields in another order: no change

      const message = await reader.waitFor((m) => m.key === deal.id && m.event?.type === 'DealUpdated');
      expect(parseEvent(message.event).data).toMatchObject({ dealId: deal.id, title: 'Fit-out cleaning, 2 sites', changes: expected, updatedBy: identity.userId });

      // Line items now: the amount follows; nothing given changes nothing and publishes nothing.
      const items = dataOf(await call(identity, UPDATE, { id: deal.id, input: { lineItems: [{ product: 'Deep clean', quantity: 2, unitPrice: 300 }] } })).updateDeal;
      expect(items.amount).toBe(600);
      expect(items.changeLog[0].changes.map((c: { field: string }) => c.field)).toEqual(['amount', 'lineItems']);
      expect(errorCodes(await call(identity, UPDATE, { id: deal.id, input: { amount: 5 } }))).toEqual(['BAD_USER_INPUT']);
      const version = (await DealModel.findById(deal.id).lean())?.outboxVersion;
      expect(dataOf(await call(identity, UPDATE, { id: deal.id, input: {} })).updateDeal.changeLog).toHaveLength(2);
      expect((await DealModel.findById(deal.id).lean())?.outboxVersion).toBe(version);
    } finally {
      await reader.close();
    }
  });

  it("refuses bad input and another tenant's deal (NOT_FOUND), changing nothing", async () => {
    const { identity, base } = await setup();
    const deal = dataOf(await call(identity, CREATE, { input: { ...base, amount: 1 } })).createDeal;
    expect(errorCodes(await call(identity, UPDATE, { id: deal.id, input: { title: ' ' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(identity, UPDATE, { id: deal.id, input: { title: null } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(identity, UPDATE, { id: 'nope', input: { title: 'X' } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(testIdentity(undefined, ['admin']), UPDATE, { id: deal.id, input: { title: 'Mine' } }))).toEqual(['NOT_FOUND']);
    expect((await DealModel.findById(deal.id).lean())?.title).toBe('Fit-out cleaning');
  });

  it('refuses a caller who may not update the deal (FORBIDDEN) even when nothing would change, answering nothing of it', async () => {
    const { identity: owner, base } = await setup();
    const deal = dataOf(await call(owner, CREATE, { input: { ...base, lineItems: [{ product: 'Deep clean', quantity: 2, unitPrice: 300 }] } })).createDeal;
    // A manager of the tenant outside the owner's team: the deal is not theirs to read or change.
    const outsider = testIdentity(owner.tenantId, ['manager']);
    expect(errorCodes(await call(outsider, `query ($id: ID!) { deal(id: $id) { id } }`, { id: deal.id }))).toEqual(['FORBIDDEN']);
    // No change, the same title, and an amount that would be refused (its message would name the amount).
    for (const input of [{}, { title: 'Fit-out cleaning' }, { amount: 5 }]) {
      const answer = await call(outsider, UPDATE, { id: deal.id, input });
      expect(errorCodes(answer)).toEqual(['FORBIDDEN']);
      expect(answer.data?.updateDeal ?? null).toBeNull();
    }
    expect(dataOf(await call(owner, UPDATE, { id: deal.id, input: {} })).updateDeal.amount).toBe(600);
  });
});

describe('a role denied Deal.amount', () => {
  it('reads neither the line items nor the values of amount and line item changes: null with FORBIDDEN on their paths', async () => {
    const { identity: admin, base } = await setup(testIdentity(undefined, ['admin']));
    const { tenantId } = admin;
    await PolicyRoleModel.create({ _id: policyKey(tenantId, 'auditor'), tenantId, role: 'auditor', rights: [{ object: 'deal', action: 'read', scope: 'ALL' }], deniedFields: ['Deal.amount'], revision: 1 });
    const deal = dataOf(await call(admin, CREATE, { input: { ...base, lineItems: [{ product: 'Deep clean', quantity: 2, unitPrice: 300 }] } })).createDeal;
    dataOf(await call(admin, UPDATE, { id: deal.id, input: { title: 'Deep clean, 3 rooms', lineItems: [{ product: 'Deep clean', quantity: 3, unitPrice: 300 }] } }));

    const READ = `query ($id: ID!) { deal(id: $id) { title amount lineItems { product unitPrice total } changeLog { changes { field from to } } } }`;
    const answer = await call(testIdentity(tenantId, ['auditor']), READ, { id: deal.id });
    expect(answer.data?.deal).toEqual({
      title: 'Deep clean, 3 rooms',
      amount: null,
      lineItems: null,
      changeLog: [{ changes: [{ field: 'title', from: 'Fit-out cleaning', to: 'Deep clean, 3 rooms' }, { field: 'amount', from: null, to: null }, { field: 'lineItems', from: null, to: null }] }],
    });
    expect(answer.errors?.map((error) => [error.path?.join('.'), error.extensions?.code]).sort()).toEqual([
      ['deal.amount', 'FORBIDDEN'],
      ['deal.changeLog.0.changes.1.from', 'FORBIDDEN'],
      ['deal.changeLog.0.changes.1.to', 'FORBIDDEN'],
      ['deal.changeLog.0.changes.2.from', 'FORBIDDEN'],
      ['deal.changeLog.0.changes.2.to', 'FORBIDDEN'],
      ['deal.lineItems', 'FORBIDDEN'],
    ]);

    // A reader not denied the amount sees all of it.
    expect(dataOf(await call(admin, READ, { id: deal.id })).deal).toMatchObject({
      amount: 900,
      lineItems: [{ product: 'Deep clean', unitPrice: 300, total: 900 }],
      changeLog: [{ changes: [{ field: 'title' }, { field: 'amount', from: 600, to: 900 }, { field: 'lineItems', from: [{ quantity: 2 }], to: [{ quantity: 3 }] }] }],
    });
  });
});

describe('staleDeals', () => {
  const STALE = `query ($pipelineId: ID!, $first: Int, $after: String) {
    staleDeals(pipelineId: $pipelineId, first: $first, after: $after) { edges { cursor node { id title } } pageInfo { hasNextPage endCursor } }
  }`;

  it('lists open deals in their stage longer than its expected duration, in pages, for the own tenant only', async () => {
    const { identity, base, pipeline } = await setup(testIdentity(undefined, ['head_of_sales']));
    const create = async (title: string) => dataOf(await call(identity, CREATE, { input: { ...base, title, amount: 1 } })).createDeal.id as string;
    const [fresh, old1, old2, old3, wonOld] = [await create('fresh'), await create('old 1'), await create('old 2'), await create('old 3'), await create('won old')];
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    // Lead expects 5 days: three deals entered it 6 days ago; one is won since (no longer open).
    await DealModel.updateMany({ _id: { $in: [old1, old2, old3, wonOld] }, tenantId: identity.tenantId }, { $set: { stageEnteredAt: daysAgo(6) } });
    await DealModel.updateOne({ _id: wonOld, tenantId: identity.tenantId }, { $set: { status: 'WON' } });
    await DealModel.updateOne({ _id: fresh, tenantId: identity.tenantId }, { $set: { stageEnteredAt: daysAgo(4) } });

    const page1 = dataOf(await call(identity, STALE, { pipelineId: pipeline.id, first: 2 })).staleDeals;
    expect(page1.edges.map((edge: any) => edge.node.title)).toEqual(['old 1', 'old 2']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = dataOf(await call(identity, STALE, { pipelineId: pipeline.id, first: 2, after: page1.pageInfo.endCursor })).staleDeals;
    expect(page2.edges.map((edge: any) => edge.node.title)).toEqual(['old 3']);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    // A longer expected duration applies at once to the deals already in the stage.
    const stages = pipeline.stages.map(({ position: _p, keySteps, ...stage }) => ({ ...stage, keySteps: keySteps.map(({ id, title, role }) => ({ id, title, role })) }));
    stages[0]!.expectedDurationDays = 7;
    dataOf(await call(testIdentity(identity.tenantId, ['admin']), `mutation ($id: ID!, $input: UpdatePipelineInput!) { updatePipeline(id: $id, input: $input) { id } }`, { id: pipeline.id, input: { stages } }));
    expect(dataOf(await call(identity, STALE, { pipelineId: pipeline.id })).staleDeals.edges).toEqual([]);

    const eve = testIdentity(undefined, ['admin']);
    expect(errorCodes(await call(eve, STALE, { pipelineId: pipeline.id }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(identity, STALE, { pipelineId: pipeline.id, first: 101 }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(identity, STALE, { pipelineId: pipeline.id, after: 'garbage' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('lists won deals staying in a post-sale stage longer than its expected duration, and no deal in a WON or LOST stage', async () => {
    const identity = testIdentity(undefined, ['head_of_sales']);
    const [companyId, pipeline] = await Promise.all([
      publishCompany(identity),
      createPipelineFrom(service.url, identity, {
        stages: [
          { name: 'Lead', probability: 0.1 },
          { name: 'Won', probability: 1, kind: 'WON', expectedDurationDays: 2 },
          { name: 'Delivery', probability: 1, kind: 'POST_SALE', expectedDurationDays: 10 },
          { name: 'Lost', probability: 0, kind: 'LOST', expectedDurationDays: 3 },
        ],
      }),
    ]);
    const stageId = (name: string) => pipeline.stages.find((stage) => stage.name === name)!.id;
    const MOVE = `mutation ($id: ID!, $stageId: ID!, $lostReason: String) { moveDealToStage(id: $id, stageId: $stageId, lostReason: $lostReason) { status } }`;
    const deal = async (title: string, path: string[], enteredDaysAgo: number) => {
      const id = dataOf(await call(identity, CREATE, { input: { title, companyId, pipelineId: pipeline.id, currency: 'EUR', amount: 1 } })).createDeal.id as string;
      for (const name of path) dataOf(await call(identity, MOVE, { id, stageId: stageId(name), lostReason: name === 'Lost' ? 'Price too high' : null }));
      await DealModel.updateOne({ _id: id, tenantId: identity.tenantId }, { $set: { stageEnteredAt: new Date(Date.now() - enteredDaysAgo * 86_400_000) } });
      return id;
    };
    const late = await deal('delivery late', ['Won', 'Delivery'], 11);
    await deal('delivery on time', ['Won', 'Delivery'], 9);
    await deal('won, delivery not started', ['Won'], 30);
    await deal('lost long ago', ['Lost'], 30);
    const stale = dataOf(await call(identity, STALE, { pipelineId: pipeline.id })).staleDeals;
    expect(stale.edges.map((edge: any) => edge.node)).toEqual([{ id: late, title: 'delivery late' }]);
  });
});
