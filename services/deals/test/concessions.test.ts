import { parseEvent, topics } from '@crm/events';
import { readTopics } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, type GraphQLResponse } from '@crm/testing';
import type { Identity } from '@crm/auth';
import { ConcessionModel } from '../src/modules/concession/concession.model';
import { DealModel } from '../src/modules/deal/deal.model';
import { startDeals } from '../src/service';
import { closeFixtures, createDeal, createPipeline, publishCompany, publishProfile } from './fixtures';
import { PolicyTeamModel, policyKey } from '@crm/policy';
import { Types } from 'mongoose';

const REQUEST = `mutation ($dealId: ID!, $input: ConcessionInput!) {
  requestConcession(dealId: $dealId, input: $input) {
    id kind discountPercent creditDays rationale requestedBy status decidedBy decisionRationale decidedAt deal { id }
  }
}`;
const DECIDE = `mutation ($id: ID!, $approve: Boolean!, $rationale: String!) {
  decideConcession(id: $id, approve: $approve, rationale: $rationale) { id status decidedBy decisionRationale decidedAt }
}`;
const LIST = `query ($status: ConcessionStatus, $first: Int, $after: String) {
  concessionRequests(status: $status, first: $first, after: $after) { totalCount edges { cursor node { id status deal { id } } } pageInfo { hasNextPage endCursor } }
}`;

const service = serviceUnderTest('deals', startDeals);
afterAll(closeFixtures);

/** A tenant with a manager and a head of sales, a company deals knows with the given profile, and an open deal for it. */
async function setUp(profile?: { percent: number; missing: string[]; riskFlags?: string[] }) {
  const head = testIdentity(undefined, ['head_of_sales']);
  const manager = testIdentity(head.tenantId, ['manager']);
  // The head leads the manager's team (as the directory's TeamChanged would tell deals): the deal is in their scope.
  const teamId = new Types.ObjectId().toString();
  await PolicyTeamModel.create({ _id: policyKey(head.tenantId, teamId), tenantId: head.tenantId, teamId, leadId: head.userId, memberIds: [manager.userId], revision: 1, deleted: false });
  const [companyId, pipeline] = await Promise.all([publishCompany(head, 'Nordwind Logistik'), createPipeline(service.url, head)]);
  if (profile) await publishProfile(head, companyId, profile.percent, profile.missing, profile.riskFlags);
  const deal = await createDeal(service.url, manager, companyId, pipeline.id);
  const as = (identity: Identity) => (query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);
  return { head, manager, companyId, deal, asHead: as(head), asManager: as(manager) };
}

const discount = { kind: 'SPECIAL_PRICE', discountPercent: 7.5, rationale: 'Competing offer 8% below our list price' };
const requestOf = (response: GraphQLResponse) => dataOf(response).requestConcession as { id: string; status: string };

describe('concession requests', () => {
  it('records a request PENDING and publishes ConcessionRequested; a head of sales approves a complete, unflagged client', async () => {
    const { manager, head, deal, companyId, asHead, asManager } = await setUp({ percent: 100, missing: [] });
    const reader = await readTopics([topics.concession]);
    try {
      const requested = dataOf(await asManager(REQUEST, { dealId: deal.id, input: { kind: 'TRADE_CREDIT', creditDays: 45, rationale: '  Long-standing client  ' } })).requestConcession;
      expect(requested).toEqual({
        id: expect.any(String),
        kind: 'TRADE_CREDIT',
        discountPercent: null,
        creditDays: 45,
        rationale: 'Long-standing client',
        requestedBy: manager.userId,
        status: 'PENDING',
        decidedBy: null,
        decisionRationale: null,
        decidedAt: null,
        deal: { id: deal.id },
      });
      const decided = dataOf(await asHead(DECIDE, { id: requested.id, approve: true, rationale: 'Paid every invoice on time' })).decideConcession;
      expect(decided).toMatchObject({ id: requested.id, status: 'APPROVED', decidedBy: head.userId, decisionRationale: 'Paid every invoice on time' });
      expect(Date.parse(decided.decidedAt)).not.toBeNaN();

      const asked = await reader.waitFor((m) => m.key === requested.id && m.event?.type === 'ConcessionRequested');
      const answered = await reader.waitFor((m) => m.key === requested.id && m.event?.type === 'ConcessionDecided');
      expect(parseEvent(asked.event)).toMatchObject({
        tenantId: head.tenantId,
        aggregateType: 'ConcessionRequest',
        data: { concessionId: requested.id, dealId: deal.id, companyId, kind: 'TRADE_CREDIT', creditDays: 45, discountPercent: null, requestedBy: manager.userId },
      });
      expect(parseEvent(answered.event)).toMatchObject({
        actorId: head.userId,
        data: { concessionId: requested.id, status: 'APPROVED', decidedBy: head.userId, rationale: 'Paid every invoice on time', decidedAt: decided.decidedAt },
      });
    } finally {
      await reader.close();
    }
  });

  it('refuses an approval while the profile is incomplete, naming the missing fields (FAILED_PRECONDITION), and changes nothing', async () => {
    const { deal, asHead, asManager } = await setUp({ percent: 60, missing: ['profile.solvency', 'customFields.vatGroup'] });
    const { id } = requestOf(await asManager(REQUEST, { dealId: deal.id, input: discount }));
    const refused = await asHead(DECIDE, { id, approve: true, rationale: 'ok' });
    expect(errorCodes(refused)).toEqual(['FAILED_PRECONDITION']);
    expect(refused.errors![0]!.extensions).toMatchObject({ missing: ['profile.solvency', 'customFields.vatGroup'], missingFields: ['profile.solvency', 'customFields.vatGroup'], riskFlags: [] });
    expect(refused.errors![0]!.message).toContain('profile.solvency');
    expect((await ConcessionModel.findById(id).lean())?.status).toBe('PENDING');
  });

  it('refuses an approval for a client with a risk flag, naming it, even at 100% completeness', async () => {
    const { deal, asHead, asManager } = await setUp({ percent: 100, missing: [], riskFlags: ['LITIGATION'] });
    const { id } = requestOf(await asManager(REQUEST, { dealId: deal.id, input: discount }));
    const refused = await asHead(DECIDE, { id, approve: true, rationale: 'ok' });
    expect(errorCodes(refused)).toEqual(['FAILED_PRECONDITION']);
    expect(refused.errors![0]!.extensions).toMatchObject({ missing: ['riskFlag:LITIGATION'], riskFlags: ['LITIGATION'], missingFields: [] });
  });

  it('refuses an approval when the completeness was never reported', async () => {
    const { deal, asHead, asManager } = await setUp();
    const { id } = requestOf(await asManager(REQUEST, { dealId: deal.id, input: discount }));
    const refused = await asHead(DECIDE, { id, approve: true, rationale: 'ok' });
    expect(errorCodes(refused)).toEqual(['FAILED_PRECONDITION']);
    expect(refused.errors![0]!.extensions?.missing).toEqual(['completeness']);
  });

  it('lets a head of sales reject whatever the profile, once: deciding again is CONFLICT', async () => {
    const { deal, asHead, asManager } = await setUp({ percent: 10, missing: ['industry'], riskFlags: ['OVERDUE_PAYMENTS'] });
    const { id } = requestOf(await asManager(REQUEST, { dealId: deal.id, input: discount }));
    expect(dataOf(await asHead(DECIDE, { id, approve: false, rationale: 'Margin too thin' })).decideConcession).toMatchObject({ status: 'REJECTED' });
    expect(errorCodes(await asHead(DECIDE, { id, approve: false, rationale: 'again' }))).toEqual(['CONFLICT']);
    expect(errorCodes(await asHead(DECIDE, { id, approve: true, rationale: 'changed my mind' }))).toEqual(['CONFLICT']);
    expect(await ConcessionModel.findById(id).lean()).toMatchObject({ status: 'REJECTED', decisionRationale: 'Margin too thin' });
  });

  it('lets only heads of sales and admins decide or list (FORBIDDEN), and an admin approve', async () => {
    const { head, deal, asManager } = await setUp({ percent: 100, missing: [] });
    const { id } = requestOf(await asManager(REQUEST, { dealId: deal.id, input: discount }));
    expect(errorCodes(await asManager(DECIDE, { id, approve: true, rationale: 'self-approved' }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await asManager(DECIDE, { id, approve: false, rationale: 'no' }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await asManager(LIST, {}))).toEqual(['FORBIDDEN']);
    const admin = testIdentity(head.tenantId, ['admin']);
    expect(dataOf(await subgraphRequest(service.url, admin, DECIDE, { id, approve: true, rationale: 'fine' })).decideConcession.status).toBe('APPROVED');
  });

  it('refuses a decision on a request by its own requester (FORBIDDEN), approving or rejecting; another approver decides it', async () => {
    const { head, deal, asHead } = await setUp({ percent: 100, missing: [] });
    const { id } = requestOf(await asHead(REQUEST, { dealId: deal.id, input: discount }));
    expect(errorCodes(await asHead(DECIDE, { id, approve: true, rationale: 'self-approved' }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await asHead(DECIDE, { id, approve: false, rationale: 'withdrawn' }))).toEqual(['FORBIDDEN']);
    expect(await ConcessionModel.findById(id).lean()).toMatchObject({ status: 'PENDING', decidedBy: null });
    const admin = testIdentity(head.tenantId, ['admin']);
    expect(dataOf(await subgraphRequest(service.url, admin, DECIDE, { id, approve: true, rationale: 'Second pair of eyes' })).decideConcession).toMatchObject({
      status: 'APPROVED',
      decidedBy: admin.userId,
    });
  });

  it('decides only on an open deal that is still there (CONFLICT otherwise), whoever asks', async () => {
    const { head, deal, asHead, asManager } = await setUp({ percent: 100, missing: [] });
    const { id } = requestOf(await asManager(REQUEST, { dealId: deal.id, input: discount }));
    await DealModel.updateOne({ _id: deal.id, tenantId: head.tenantId }, { $set: { status: 'LOST', closedAt: new Date(), lostReason: 'Price too high' } });
    expect(errorCodes(await asHead(DECIDE, { id, approve: true, rationale: 'Approved too late' }))).toEqual(['CONFLICT']);
    expect(errorCodes(await asHead(DECIDE, { id, approve: false, rationale: 'Rejected too late' }))).toEqual(['CONFLICT']);

    // The deal gone from the store: no rights can be checked on it, so no one decides (another team's head neither).
    await DealModel.deleteOne({ _id: deal.id, tenantId: head.tenantId });
    const other = testIdentity(head.tenantId, ['head_of_sales']);
    expect(errorCodes(await subgraphRequest(service.url, other, DECIDE, { id, approve: true, rationale: 'Not my team' }))).toEqual(['CONFLICT']);
    expect(errorCodes(await asHead(DECIDE, { id, approve: true, rationale: 'ok' }))).toEqual(['CONFLICT']);
    expect(await ConcessionModel.findById(id).lean()).toMatchObject({ status: 'PENDING', decidedBy: null });
  });

  it.each([
    [{ kind: 'SPECIAL_PRICE', rationale: 'r' }, 'discountPercent'],
    [{ kind: 'SPECIAL_PRICE', discountPercent: 0, rationale: 'r' }, 'discountPercent'],
    [{ kind: 'SPECIAL_PRICE', discountPercent: 101, rationale: 'r' }, 'discountPercent'],
    [{ kind: 'SPECIAL_PRICE', discountPercent: 5, creditDays: 30, rationale: 'r' }, 'creditDays'],
    [{ kind: 'TRADE_CREDIT', rationale: 'r' }, 'creditDays'],
    [{ kind: 'TRADE_CREDIT', creditDays: 400, rationale: 'r' }, 'creditDays'],
    [{ kind: 'TRADE_CREDIT', creditDays: 30, discountPercent: 5, rationale: 'r' }, 'discountPercent'],
    [{ kind: 'TRADE_CREDIT', creditDays: 30, rationale: '   ' }, 'rationale'],
    [{ kind: 'TRADE_CREDIT', creditDays: 30, rationale: 'x'.repeat(10_001) }, 'rationale'],
  ])('refuses bad input #%# as BAD_USER_INPUT naming the field, storing nothing', async (input, field) => {
    const { head, deal, asManager } = await setUp();
    const refused = await asManager(REQUEST, { dealId: deal.id, input });
    expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors![0]!.extensions?.field).toBe(field);
    expect(await ConcessionModel.countDocuments({ tenantId: head.tenantId })).toBe(0);
  });

  it("keeps tenants apart: another tenant's deal and request are NOT_FOUND and never listed", async () => {
    const { deal, asManager } = await setUp({ percent: 100, missing: [] });
    const { id } = requestOf(await asManager(REQUEST, { dealId: deal.id, input: discount }));
    const eve = testIdentity(undefined, ['admin']);
    const asEve = (query: string, variables?: object) => subgraphRequest(service.url, eve, query, variables);
    expect(errorCodes(await asEve(REQUEST, { dealId: deal.id, input: discount }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await asEve(DECIDE, { id, approve: false, rationale: 'mine now' }))).toEqual(['NOT_FOUND']);
    expect(dataOf(await asEve(LIST, {})).concessionRequests).toMatchObject({ totalCount: 0, edges: [] });
    expect((await ConcessionModel.findById(id).lean())?.status).toBe('PENDING');
    expect(errorCodes(await asEve(DECIDE, { id: 'nope', approve: false, rationale: 'x' }))).toEqual(['BAD_USER_INPUT']);
  });

  it("keeps each head of sales to their teams' deals: another team's head neither lists nor decides a request, and the queue follows the deal's owner", async () => {
    const { head, deal, asManager } = await setUp({ percent: 100, missing: [] });
    const request = requestOf(await asManager(REQUEST, { dealId: deal.id, input: discount }));
    const other = testIdentity(head.tenantId, ['head_of_sales']);
    const colleague = testIdentity(head.tenantId, ['manager']);
    const teamId = new Types.ObjectId().toString();
    await PolicyTeamModel.create({ _id: policyKey(head.tenantId, teamId), tenantId: head.tenantId, teamId, leadId: other.userId, memberIds: [colleague.userId], revision: 1, deleted: false });
    const asOther = (query: string, variables?: object) => subgraphRequest(service.url, other, query, variables);
    const queued = async (who: typeof asOther) => dataOf(await who(LIST, {})).concessionRequests.edges.map((e: { node: { id: string } }) => e.node.id);
    const asHead = (query: string, variables?: object) => subgraphRequest(service.url, head, query, variables);

    expect(await queued(asHead)).toEqual([request.id]);
    expect(await queued(asOther)).toEqual([]);
    expect(errorCodes(await asOther(DECIDE, { id: request.id, approve: false, rationale: 'Not mine' }))).toEqual(['FORBIDDEN']);
    expect(await ConcessionModel.findById(request.id).lean()).toMatchObject({ status: 'PENDING', decidedBy: null });

    // An admin gives the deal to the other team's manager: the request moves to that head's queue.
    const admin = testIdentity(head.tenantId, ['admin']);
    const UPDATE = `mutation ($id: ID!, $input: UpdateDealInput!) { updateDeal(id: $id, input: $input) { ownerId } }`;
    expect(dataOf(await subgraphRequest(service.url, admin, UPDATE, { id: deal.id, input: { ownerId: colleague.userId } })).updateDeal).toEqual({ ownerId: colleague.userId });
    expect(await queued(asOther)).toEqual([request.id]);
    expect(await queued(asHead)).toEqual([]);
  });

  it("requests made while the deal changes owner follow the deal's owner, whichever write comes first", async () => {
    const { head, deal } = await setUp({ percent: 100, missing: [] });
    const admin = testIdentity(head.tenantId, ['admin']);
    const asAdmin = (query: string, variables?: object) => subgraphRequest(service.url, admin, query, variables);
    const UPDATE = `mutation ($id: ID!, $input: UpdateDealInput!) { updateDeal(id: $id, input: $input) { ownerId } }`;
    let ownerId = '';
    for (let round = 0; round < 4; round++) {
      ownerId = testIdentity(head.tenantId, ['manager']).userId;
      const answers = await Promise.all([
        ...Array.from({ length: 3 }, () => asAdmin(REQUEST, { dealId: deal.id, input: discount })),
        asAdmin(UPDATE, { id: deal.id, input: { ownerId } }),
        ...Array.from({ length: 3 }, () => asAdmin(REQUEST, { dealId: deal.id, input: discount })),
      ]);
      expect(answers.flatMap((answer) => errorCodes(answer))).toEqual([]);
    }
    const requests = await ConcessionModel.find({ tenantId: head.tenantId, dealId: deal.id }).lean();
    expect(requests).toHaveLength(24);
    expect(new Set(requests.map((request) => request.dealOwnerId))).toEqual(new Set([ownerId]));
  });

  it('lists a deal\'s requests and the approvers\' queue by status, newest first, page by page', async () => {
    const { deal, asHead, asManager } = await setUp({ percent: 100, missing: [] });
    const ids: string[] = [];
    for (const percent of [3, 4, 5]) ids.push(requestOf(await asManager(REQUEST, { dealId: deal.id, input: { ...discount, discountPercent: percent } })).id);
    dataOf(await asHead(DECIDE, { id: ids[0], approve: false, rationale: 'no' }));

    const onDeal = dataOf(await asManager(`query ($id: ID!) { deal(id: $id) { concessions(first: 2) { id discountPercent } } }`, { id: deal.id })).deal;
    expect(onDeal.concessions).toEqual([{ id: ids[2], discountPercent: 5 }, { id: ids[1], discountPercent: 4 }]);

    const first = dataOf(await asHead(LIST, { status: 'PENDING', first: 1 })).concessionRequests;
    expect(first).toMatchObject({ totalCount: 2, edges: [{ node: { id: ids[2], status: 'PENDING', deal: { id: deal.id } } }], pageInfo: { hasNextPage: true } });
    const second = dataOf(await asHead(LIST, { status: 'PENDING', first: 1, after: first.pageInfo.endCursor })).concessionRequests;
    expect(second).toMatchObject({ edges: [{ node: { id: ids[1] } }], pageInfo: { hasNextPage: false } });
    expect(dataOf(await asHead(LIST, { status: 'REJECTED' })).concessionRequests.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ids[0]]);
    expect(errorCodes(await asHead(LIST, { first: 101 }))).toEqual(['BAD_USER_INPUT']);
  });
});
