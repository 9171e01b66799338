// Won, lost, post-sale, reopened; guided selling at each strictness; stage history with durations.
import { readTopics, type TopicReader } from '@crm/messaging/testing';
import { parseEvent, topics } from '@crm/events';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { DealModel } from '../src/modules/deal/deal.model';
import { startDeals } from '../src/service';
import { closeFixtures, createPipelineFrom, guidedStages, publishCompany, type PipelineView } from './fixtures';

const service = serviceUnderTest('deals', startDeals);
type Caller = ReturnType<typeof testIdentity>;
const call = (identity: Caller, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);

const DEAL_FIELDS = `id status closedAt lostReason lastMoveWarnings stage { name kind }
  stageHistory { from { name } to { name } movedBy durationSeconds skipped reopened lostReason }
  completedKeySteps { stepId stageId completedBy } stageResults { stageId text recordedBy }`;
const MOVE = `mutation ($id: ID!, $stageId: ID!, $lostReason: String) { moveDealToStage(id: $id, stageId: $stageId, lostReason: $lostReason) { ${DEAL_FIELDS} } }`;
const REOPEN = `mutation ($id: ID!, $stageId: ID!) { reopenDeal(id: $id, stageId: $stageId) { ${DEAL_FIELDS} } }`;
const TICK = `mutation ($dealId: ID!, $stepId: ID!) { completeKeyStep(dealId: $dealId, stepId: $stepId) { ${DEAL_FIELDS} } }`;
const RESULT = `mutation ($dealId: ID!, $text: String!) { recordStageResult(dealId: $dealId, text: $text) { ${DEAL_FIELDS} } }`;

let reader: TopicReader;
beforeAll(async () => {
  reader = await readTopics([topics.deal, topics.dealsSettings]);
});
afterAll(async () => {
  await reader.close();
  await closeFixtures();
});

async function newDeal(strictness = 'NONE', identity: Caller = testIdentity(undefined, ['head_of_sales']), stages: object[] = guidedStages) {
  const [companyId, pipeline] = await Promise.all([publishCompany(identity), createPipelineFrom(service.url, identity, { stages, strictness })]);
  const { createDeal } = dataOf(
    await call(identity, `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`, {
      input: { title: 'Warehouse cleaning', companyId, pipelineId: pipeline.id, amount: 5000, currency: 'EUR' },
    }),
  );
  const stage = (name: string) => pipeline.stages.find((s) => s.name === name)!;
  return { identity, pipeline, dealId: createDeal.id as string, stage };
}

const eventsOf = async (dealId: string, type: string) => {
  await reader.waitFor((m) => m.key === dealId && m.event?.type === type, `${type} of ${dealId}`);
  return reader.messages.filter((m) => m.key === dealId && m.event?.type === type).map((m) => parseEvent(m.event));
};

describe('won, post-sale and lost deals', () => {
  it('wins a deal in the WON stage (status, closedAt, DealWon), moves it on through post-sale stages still WON, once', async () => {
    const { identity, dealId, stage } = await newDeal();
    const won = dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Won').id })).moveDealToStage;
    expect(won).toMatchObject({ status: 'WON', stage: { name: 'Won', kind: 'WON' }, lostReason: null });
    expect(new Date(won.closedAt).getTime()).not.toBeNaN();
    const delivered = dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Delivered').id })).moveDealToStage;
    expect(delivered).toMatchObject({ status: 'WON', closedAt: won.closedAt, stage: { name: 'Delivered' } });

    const [wonEvent] = await eventsOf(dealId, 'DealWon');
    expect(wonEvent).toMatchObject({ data: { dealId, amount: 5000, currency: 'EUR', stage: { name: 'Won', kind: 'WON' }, wonBy: identity.userId, closedAt: won.closedAt } });
    const moves = await eventsOf(dealId, 'DealStageChanged');
    await reader.waitFor((m) => m.key === dealId && m.event?.type === 'DealStageChanged' && (m.event?.data as { toStage?: { name: string } } | undefined)?.toStage?.name === 'Delivered');
    expect(reader.messages.filter((m) => m.key === dealId && m.event?.type === 'DealWon')).toHaveLength(1);
    expect(moves[0]).toMatchObject({ data: { status: 'WON', toStage: { kind: 'WON' }, durationSeconds: expect.any(Number) } });

    // A won deal neither goes back to an open stage nor into a lost one without being reopened.
    expect(errorCodes(await call(identity, MOVE, { id: dealId, stageId: stage('Offer').id }))).toEqual(['CONFLICT']);
    expect(errorCodes(await call(identity, MOVE, { id: dealId, stageId: stage('Lost').id, lostReason: 'Other' }))).toEqual(['CONFLICT']);
  });

  it("loses a deal only with a reason from the tenant's list (defaults, then the tenant's own), publishing DealLost", async () => {
    const { identity, dealId, stage } = await newDeal();
    const { lostReasons } = dataOf(await call(identity, `{ lostReasons }`));
    expect(lostReasons).toContain('Price too high');
    expect(errorCodes(await call(identity, MOVE, { id: dealId, stageId: stage('Lost').id }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(identity, MOVE, { id: dealId, stageId: stage('Lost').id, lostReason: 'Bad weather' }))).toEqual(['BAD_USER_INPUT']);

    const SET = `mutation ($reasons: [String!]!) { setLostReasons(reasons: $reasons) }`;
    expect(errorCodes(await call(testIdentity(identity.tenantId, ['manager']), SET, { reasons: ['Mine'] }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await call(identity, SET, { reasons: ['Same', 'same'] }))).toEqual(['BAD_USER_INPUT']);
    expect(dataOf(await call(identity, SET, { reasons: [' Budget cut ', 'Competitor'] })).setLostReasons).toEqual(['Budget cut', 'Competitor']);
    expect(dataOf(await call(testIdentity(), `{ lostReasons }`)).lostReasons).toEqual(lostReasons); // other tenants keep theirs
    // Published with the whole list, keyed by the tenant; the refused attempts published nothing.
    const [changed, ...more] = await eventsOf(identity.tenantId, 'LostReasonsChanged');
    expect(more).toEqual([]);
    expect(changed).toMatchObject({ aggregateType: 'TenantSettings', actorId: identity.userId, data: { reasons: ['Budget cut', 'Competitor'] } });
    expect(errorCodes(await call(identity, MOVE, { id: dealId, stageId: stage('Lost').id, lostReason: 'Price too high' }))).toEqual(['BAD_USER_INPUT']);

    const lost = dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Lost').id, lostReason: 'budget CUT' })).moveDealToStage;
    expect(lost).toMatchObject({ status: 'LOST', lostReason: 'Budget cut', stage: { kind: 'LOST' } });
    expect(lost.stageHistory.at(-1)).toMatchObject({ from: { name: 'Lead' }, to: { name: 'Lost' }, lostReason: 'Budget cut' });
    const [event] = await eventsOf(dealId, 'DealLost');
    expect(event).toMatchObject({ data: { lostReason: 'Budget cut', lostBy: identity.userId, stage: { name: 'Lost' } } });
    expect(errorCodes(await call(identity, MOVE, { id: dealId, stageId: stage('Offer').id }))).toEqual(['CONFLICT']);
  });

  it('refuses a post-sale stage before the win (FAILED_PRECONDITION)', async () => {
    const { identity, dealId, stage } = await newDeal();
    const answer = await call(identity, MOVE, { id: dealId, stageId: stage('Delivered').id });
    expect(errorCodes(answer)).toEqual(['FAILED_PRECONDITION']);
    expect((await DealModel.findById(dealId).lean())?.status).toBe('OPEN');
  });

  it('reopens a lost deal into an OPEN stage, recorded in the history and published as DealReopened', async () => {
    const { identity, dealId, stage } = await newDeal();
    dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Lost').id, lostReason: 'Other' }));
    expect(errorCodes(await call(identity, REOPEN, { id: dealId, stageId: stage('Won').id }))).toEqual(['BAD_USER_INPUT']);
    const reopened = dataOf(await call(identity, REOPEN, { id: dealId, stageId: stage('Offer').id })).reopenDeal;
    expect(reopened).toMatchObject({ status: 'OPEN', closedAt: null, lostReason: null, stage: { name: 'Offer' } });
    expect(reopened.stageHistory.at(-1)).toMatchObject({ from: { name: 'Lost' }, to: { name: 'Offer' }, reopened: true, movedBy: identity.userId });
    const [event] = await eventsOf(dealId, 'DealReopened');
    expect(event).toMatchObject({ data: { previousStatus: 'LOST', fromStage: { name: 'Lost' }, toStage: { name: 'Offer' }, reopenedBy: identity.userId } });
    expect(errorCodes(await call(identity, REOPEN, { id: dealId, stageId: stage('Lead').id }))).toEqual(['CONFLICT']); // open already
  });

  it('records the time spent in the stage left', async () => {
    const { identity, dealId, stage } = await newDeal();
    // As if the deal had entered Lead three days ago.
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
    await DealModel.updateOne({ _id: dealId, tenantId: identity.tenantId }, { $set: { stageEnteredAt: threeDaysAgo } });
    const moved = dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Offer').id })).moveDealToStage;
    const [created, first] = moved.stageHistory;
    expect(created.durationSeconds).toBeNull();
    expect(first.durationSeconds).toBeGreaterThanOrEqual(3 * 86_400);
    expect(first.durationSeconds).toBeLessThan(3 * 86_400 + 600);
  });
});

describe('guided selling', () => {
  const tickAll = async (identity: Caller, dealId: string, pipeline: PipelineView) => {
    for (const step of pipeline.stages[0]!.keySteps) dataOf(await call(identity, TICK, { dealId, stepId: step.id }));
  };

  it('ENFORCE: leaving a stage forward needs its key steps and result (FAILED_PRECONDITION listing them); then it moves', async () => {
    const { identity, pipeline, dealId, stage } = await newDeal('ENFORCE');
    const refused = await call(identity, MOVE, { id: dealId, stageId: stage('Offer').id });
    expect(errorCodes(refused)).toEqual(['FAILED_PRECONDITION']);
    expect(refused.errors?.[0]?.extensions?.missing).toEqual(['Call the buyer', 'Check credit', 'result']);
    expect((await DealModel.findById(dealId).lean())?.stageId.toString()).toBe(stage('Lead').id);

    const [call1] = pipeline.stages[0]!.keySteps;
    const ticked = dataOf(await call(identity, TICK, { dealId, stepId: call1!.id })).completeKeyStep;
    expect(ticked.completedKeySteps).toEqual([{ stepId: call1!.id, stageId: stage('Lead').id, completedBy: identity.userId }]);
    dataOf(await call(identity, TICK, { dealId, stepId: call1!.id })); // again: no change, no event
    expect((await call(identity, MOVE, { id: dealId, stageId: stage('Offer').id })).errors?.[0]?.extensions?.missing).toEqual(['Check credit', 'result']);

    await tickAll(identity, dealId, pipeline);
    const recorded = dataOf(await call(identity, RESULT, { dealId, text: ' Need confirmed by the CFO ' })).recordStageResult;
    expect(recorded.stageResults).toEqual([{ stageId: stage('Lead').id, text: 'Need confirmed by the CFO', recordedBy: identity.userId }]);
    const moved = dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Offer').id })).moveDealToStage;
    expect(moved).toMatchObject({ stage: { name: 'Offer' }, lastMoveWarnings: [] });

    const ticks = await eventsOf(dealId, 'KeyStepCompleted');
    await reader.waitFor((m) => m.key === dealId && m.event?.type === 'DealStageChanged');
    expect(reader.messages.filter((m) => m.key === dealId && m.event?.type === 'KeyStepCompleted')).toHaveLength(2);
    expect(ticks[0]).toMatchObject({ data: { stepId: call1!.id, title: 'Call the buyer', role: 'MANAGER', stage: { name: 'Lead' }, completedBy: identity.userId } });
    const [result] = await eventsOf(dealId, 'StageResultRecorded');
    expect(result).toMatchObject({ data: { text: 'Need confirmed by the CFO', stage: { name: 'Lead' } } });
  });

  it('ENFORCE does not hold back moving back or losing the deal', async () => {
    const { identity, pipeline, dealId, stage } = await newDeal('ENFORCE');
    await tickAll(identity, dealId, pipeline);
    dataOf(await call(identity, RESULT, { dealId, text: 'Done' }));
    dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Offer').id }));
    expect(dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Lead').id })).moveDealToStage.stage.name).toBe('Lead');
    expect(dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Lost').id, lostReason: 'Other' })).moveDealToStage.status).toBe('LOST');
  });

  it('WARN: the move succeeds and says what was skipped, in the answer, the history and the event', async () => {
    const { identity, pipeline, dealId, stage } = await newDeal('WARN');
    dataOf(await call(identity, TICK, { dealId, stepId: pipeline.stages[0]!.keySteps[1]!.id }));
    const moved = dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Offer').id })).moveDealToStage;
    expect(moved.lastMoveWarnings).toEqual(['Call the buyer', 'result']);
    expect(moved.stageHistory.at(-1).skipped).toEqual(['Call the buyer', 'result']);
    const [event] = await eventsOf(dealId, 'DealStageChanged');
    expect(event!.data).toMatchObject({ skipped: ['Call the buyer', 'result'] });
  });

  /** Key steps and a result on the stages between the first one and the win. */
  const pathStages = [
    { name: 'Lead', probability: 0.1 },
    { name: 'Offer', probability: 0.4, result: 'Offer accepted', keySteps: [{ title: 'Send the offer', role: 'manager' }] },
    { name: 'Legal', probability: 0.6, keySteps: [{ title: 'Check the contract', role: 'lawyer' }] },
    { name: 'Signing', probability: 0.8 },
    { name: 'Won', probability: 1, kind: 'WON' },
    { name: 'Lost', probability: 0, kind: 'LOST' },
  ];

  it('ENFORCE: a move that jumps over stages needs the key steps and result of each stage passed over, archived ones aside', async () => {
    const { identity, pipeline, dealId, stage } = await newDeal('ENFORCE', undefined, pathStages);
    for (const target of ['Signing', 'Won']) {
      const refused = await call(identity, MOVE, { id: dealId, stageId: stage(target).id });
      expect(errorCodes(refused)).toEqual(['FAILED_PRECONDITION']);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ missing: ['Offer: Send the offer', 'Offer: result', 'Legal: Check the contract'], stageId: stage('Offer').id });
    }
    expect((await DealModel.findById(dealId).lean())?.stageId.toString()).toBe(stage('Lead').id);

    // Through Offer, done there: Legal is still in the way.
    dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Offer').id }));
    dataOf(await call(identity, TICK, { dealId, stepId: stage('Offer').keySteps[0]!.id }));
    dataOf(await call(identity, RESULT, { dealId, text: 'Accepted by mail' }));
    expect((await call(identity, MOVE, { id: dealId, stageId: stage('Signing').id })).errors?.[0]?.extensions?.missing).toEqual(['Legal: Check the contract']);

    // An archived stage takes no deal, so nothing can be done there: it is not in the way.
    const stages = pipeline.stages.map(({ position: _position, keySteps, ...rest }) => ({ ...rest, archived: rest.name === 'Legal', keySteps: keySteps.map(({ id, title, role }) => ({ id, title, role })) }));
    dataOf(await call(identity, `mutation ($id: ID!, $input: UpdatePipelineInput!) { updatePipeline(id: $id, input: $input) { id } }`, { id: pipeline.id, input: { stages } }));
    const moved = dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Signing').id })).moveDealToStage;
    expect(moved).toMatchObject({ stage: { name: 'Signing' }, lastMoveWarnings: [] });
  });

  it('WARN: a move that jumps over stages says what it skipped in each of them', async () => {
    const { identity, dealId, stage } = await newDeal('WARN', undefined, pathStages);
    const moved = dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Won').id })).moveDealToStage;
    const skipped = ['Offer: Send the offer', 'Offer: result', 'Legal: Check the contract'];
    expect(moved).toMatchObject({ status: 'WON', lastMoveWarnings: skipped });
    expect(moved.stageHistory.at(-1).skipped).toEqual(skipped);
    const [event] = await eventsOf(dealId, 'DealStageChanged');
    expect(event!.data).toMatchObject({ skipped });
  });

  it('ENFORCE: reopening a lost deal into a later stage needs what moving there from the stage it was lost from needs', async () => {
    const { identity, pipeline, dealId, stage } = await newDeal('ENFORCE');
    dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Lost').id, lostReason: 'Other' }));
    const refused = await call(identity, REOPEN, { id: dealId, stageId: stage('Offer').id });
    expect(errorCodes(refused)).toEqual(['FAILED_PRECONDITION']);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ missing: ['Call the buyer', 'Check credit', 'result'], stageId: stage('Lead').id });
    const stored = await DealModel.findById(dealId).lean();
    expect([stored?.status, stored?.stageId.toString()]).toEqual(['LOST', stage('Lost').id]);

    // Back where it was lost from, done there, it moves on.
    expect(dataOf(await call(identity, REOPEN, { id: dealId, stageId: stage('Lead').id })).reopenDeal).toMatchObject({ status: 'OPEN', stage: { name: 'Lead' }, lastMoveWarnings: [] });
    await tickAll(identity, dealId, pipeline);
    dataOf(await call(identity, RESULT, { dealId, text: 'Need confirmed' }));
    expect(dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Offer').id })).moveDealToStage.stage.name).toBe('Offer');
  });

  it('WARN: reopening a lost deal into a later stage succeeds and says what was skipped', async () => {
    const { identity, pipeline, dealId, stage } = await newDeal('WARN');
    dataOf(await call(identity, TICK, { dealId, stepId: pipeline.stages[0]!.keySteps[0]!.id }));
    dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Lost').id, lostReason: 'Other' }));
    const reopened = dataOf(await call(identity, REOPEN, { id: dealId, stageId: stage('Offer').id })).reopenDeal;
    expect(reopened).toMatchObject({ status: 'OPEN', stage: { name: 'Offer' }, lastMoveWarnings: ['Check credit', 'result'] });
    expect(reopened.stageHistory.at(-1)).toMatchObject({ from: { name: 'Lost' }, to: { name: 'Offer' }, reopened: true, skipped: ['Check credit', 'result'] });
  });

  it('NONE: nothing is checked or reported', async () => {
    const { identity, dealId, stage } = await newDeal('NONE');
    expect(dataOf(await call(identity, MOVE, { id: dealId, stageId: stage('Offer').id })).moveDealToStage.lastMoveWarnings).toEqual([]);
  });

  it("refuses a key step of another stage, empty or huge results, and another tenant's deal (NOT_FOUND)", async () => {
    const { identity, dealId, stage, pipeline } = await newDeal('ENFORCE');
    const other = await newDeal('ENFORCE');
    expect(errorCodes(await call(identity, TICK, { dealId, stepId: other.pipeline.stages[0]!.keySteps[0]!.id }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(identity, TICK, { dealId, stepId: 'nope' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(identity, RESULT, { dealId, text: '  ' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(identity, RESULT, { dealId, text: 'x'.repeat(2001) }))).toEqual(['BAD_USER_INPUT']);
    const eve = testIdentity(undefined, ['admin']);
    const stepId = pipeline.stages[0]!.keySteps[0]!.id;
    expect(errorCodes(await call(eve, TICK, { dealId, stepId }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(eve, RESULT, { dealId, text: 'Mine' }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(eve, MOVE, { id: dealId, stageId: stage('Offer').id }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(eve, REOPEN, { id: dealId, stageId: stage('Offer').id }))).toEqual(['NOT_FOUND']);
    // Another tenant's stage for this tenant's deal is not a stage of its pipeline.
    expect(errorCodes(await call(identity, MOVE, { id: dealId, stageId: other.stage('Offer').id }))).toEqual(['BAD_USER_INPUT']);
    const stored = await DealModel.findById(dealId).lean();
    expect(stored).toMatchObject({ keyStepsDone: {}, stageResults: {}, status: 'OPEN' });
  });
});
