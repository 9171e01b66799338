// Stage kinds, guided-selling fields, templates and updatePipeline, against the real store and broker.
import { readTopics } from '@crm/messaging/testing';
import { parseEvent, topics } from '@crm/events';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { DealModel } from '../src/modules/deal/deal.model';
import { PipelineModel } from '../src/modules/pipeline/pipeline.model';
import { startDeals } from '../src/service';
import { closeFixtures, createPipelineFrom, guidedStages, PIPELINE_FIELDS, publishCompany, type PipelineView } from './fixtures';

const service = serviceUnderTest('deals', startDeals);
const call = (identity: ReturnType<typeof testIdentity>, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);

const FROM_TEMPLATE = `mutation ($key: String!, $name: String) { createPipelineFromTemplate(key: $key, name: $name) { ${PIPELINE_FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdatePipelineInput!) { updatePipeline(id: $id, input: $input) { ${PIPELINE_FIELDS} } }`;
const CREATE_DEAL = `mutation ($input: CreateDealInput!) { createDeal(input: $input) { id stage { name } } }`;

/** The stages of a pipeline as updatePipeline takes them back (ids kept). */
const asInput = (pipeline: PipelineView) =>
  pipeline.stages.map(({ keySteps, position: _position, ...stage }) => ({ ...stage, keySteps: keySteps.map(({ id: stepId, title, role }) => ({ id: stepId, title, role })) }));

afterAll(closeFixtures);

describe('stage kinds and guided-selling fields', () => {
  it('defaults a stage to OPEN with no task, result, key steps or duration, strictness NONE (the former input)', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const pipeline = await createPipelineFrom(service.url, head, { stages: [{ name: 'Only', probability: 0.5 }] });
    expect(pipeline).toMatchObject({
      strictness: 'NONE',
      templateKey: null,
      followUps: [],
      stages: [{ name: 'Only', kind: 'OPEN', task: null, result: null, keySteps: [], expectedDurationDays: null, archived: false }],
    });
  });

  it('stores kinds, key steps with normalised roles, durations, strictness and follow-ups, and publishes PipelineCreated v2', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const reader = await readTopics([topics.pipeline]);
    try {
      const pipeline = await createPipelineFrom(service.url, head, {
        stages: guidedStages,
        strictness: 'ENFORCE',
        followUps: [{ title: 'Satisfaction call', role: 'Account manager', afterDays: 30 }],
      });
      expect(pipeline.stages.map((stage) => [stage.name, stage.kind])).toEqual([
        ['Lead', 'OPEN'],
        ['Offer', 'OPEN'],
        ['Won', 'WON'],
        ['Delivered', 'POST_SALE'],
        ['Lost', 'LOST'],
      ]);
      expect(pipeline.stages[0]!.keySteps.map((step) => step.role)).toEqual(['MANAGER', 'ACCOUNTANT']);
      expect(pipeline).toMatchObject({ strictness: 'ENFORCE', followUps: [{ title: 'Satisfaction call', role: 'ACCOUNT_MANAGER', afterDays: 30 }] });

      const message = await reader.waitFor((m) => m.key === pipeline.id);
      const event = parseEvent(message.event);
      expect(event).toMatchObject({ type: 'PipelineCreated', version: 2, data: { strictness: 'ENFORCE', followUps: [{ role: 'ACCOUNT_MANAGER' }] } });
      expect((event.data as any).stages[0]).toMatchObject({ kind: 'OPEN', result: 'Need confirmed', expectedDurationDays: 5, keySteps: [{ title: 'Call the buyer' }, {}] });
    } finally {
      await reader.close();
    }
  });

  it.each([
    [[{ name: 'Won', probability: 1, kind: 'WON' }], 'must be OPEN'],
    [[{ name: 'A', probability: 0.1 }, { name: 'W1', probability: 1, kind: 'WON' }, { name: 'W2', probability: 1, kind: 'WON' }], 'at most one WON'],
    [[{ name: 'A', probability: 0.1 }, { name: 'Care', probability: 1, kind: 'POST_SALE' }, { name: 'Won', probability: 1, kind: 'WON' }], 'after the WON stage'],
    [[{ name: 'A', probability: 0.1 }, { name: 'Care', probability: 1, kind: 'POST_SALE' }], 'after the WON stage'],
    [[{ name: 'A', probability: 0.1, keySteps: [{ title: 'X', role: 'a role that is far too long to be any role name' }] }], 'role'],
    [[{ name: 'A', probability: 0.1, expectedDurationDays: 0 }], 'expectedDurationDays'],
  ])('refuses stages %j as BAD_USER_INPUT (%s), storing nothing', async (stages, message) => {
    const admin = testIdentity(undefined, ['admin']);
    const answer = await call(admin, `mutation ($input: CreatePipelineInput!) { createPipeline(input: $input) { id } }`, { input: { name: 'P', stages } });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(`${answer.errors?.[0]?.message} ${answer.errors?.[0]?.extensions?.field}`).toContain(message);
    expect(await PipelineModel.countDocuments({ tenantId: admin.tenantId })).toBe(0);
  });
});

describe('templates', () => {
  it('lists distribution (11 stages), cleaning services (12) and a language school, filled in', async () => {
    const { pipelineTemplates } = dataOf(
      await call(testIdentity(), `{ pipelineTemplates { key name description strictness stages { name kind probability task result expectedDurationDays keySteps { title role } } followUps { title role afterDays } } }`),
    );
    const byKey = Object.fromEntries(pipelineTemplates.map((template: any) => [template.key, template]));
    expect(Object.keys(byKey)).toEqual(['distribution', 'cleaning-services', 'language-school']);
    const names = (key: string) => byKey[key].stages.map((stage: any) => stage.name);
    const kinds = (key: string) => byKey[key].stages.map((stage: any) => stage.kind);
    expect(names('distribution')).toEqual([
      'Planned order', 'Order agreed', 'Purchase request made', 'Supplier invoice received', 'Goods in warehouse', 'Goods reserved',
      'Client invoiced', 'Ready to ship', 'Shipped', 'Realised', 'Closed unrealised',
    ]);
    expect(kinds('distribution').slice(-2)).toEqual(['WON', 'LOST']);
    expect(names('cleaning-services')).toEqual([
      'Prospect', 'Contact made', 'Meeting agreed', 'Scope defined', 'Proposal in preparation', 'Proposal discussed',
      'Preliminary consent', 'Verbal confirmation', 'Contract signed', 'Handed to delivery', 'Acceptance acts signed', 'Paid in full',
    ]);
    expect(kinds('cleaning-services').slice(-4)).toEqual(['WON', 'POST_SALE', 'POST_SALE', 'POST_SALE']);
    expect(names('language-school')[0]).toBe('Enquiry');
    expect(names('language-school')).toContain('Study contract signed');
    for (const template of pipelineTemplates) {
      const open = template.stages.filter((stage: any) => stage.kind === 'OPEN');
      // Every working stage says what to do, what to obtain, who does which key step, and how long it should take.
      for (const stage of open) expect(stage).toMatchObject({ task: expect.any(String), result: expect.any(String), expectedDurationDays: expect.any(Number) });
      for (const stage of open) expect(stage.keySteps.length).toBeGreaterThan(0);
      expect(template.followUps.length).toBeGreaterThan(0);
    }
  });

  it('creates a pipeline from a template (name optional), refuses it twice by name, unknown keys and managers', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const { createPipelineFromTemplate: cleaning } = dataOf(await call(head, FROM_TEMPLATE, { key: 'cleaning-services' }));
    expect(cleaning).toMatchObject({ name: 'Cleaning services', templateKey: 'cleaning-services', strictness: 'WARN' });
    expect(cleaning.stages).toHaveLength(12);
    expect(cleaning.stages[9]).toMatchObject({ name: 'Handed to delivery', kind: 'POST_SALE', position: 9 });
    expect(errorCodes(await call(head, FROM_TEMPLATE, { key: 'cleaning-services' }))).toEqual(['CONFLICT']);
    const { createPipelineFromTemplate: named } = dataOf(await call(head, FROM_TEMPLATE, { key: 'distribution', name: 'Wholesale' }));
    expect(named).toMatchObject({ name: 'Wholesale', templateKey: 'distribution' });
    expect(named.stages).toHaveLength(11);
    expect(errorCodes(await call(head, FROM_TEMPLATE, { key: 'no-such-template' }))).toEqual(['BAD_USER_INPUT']);
    const manager = testIdentity(undefined, ['manager']);
    expect(errorCodes(await call(manager, FROM_TEMPLATE, { key: 'language-school' }))).toEqual(['FORBIDDEN']);
    expect(await PipelineModel.countDocuments({ tenantId: manager.tenantId })).toBe(0);
  });
});

describe('updatePipeline', () => {
  async function pipelineWithDeal() {
    const head = testIdentity(undefined, ['head_of_sales']);
    const [companyId, pipeline] = await Promise.all([
      publishCompany(head),
      createPipelineFrom(service.url, head, { stages: [{ name: 'A', probability: 0.1 }, { name: 'B', probability: 0.5 }, { name: 'C', probability: 0.7 }] }),
    ]);
    const { createDeal: deal } = dataOf(await call(head, CREATE_DEAL, { input: { title: 'T', companyId, pipelineId: pipeline.id, amount: 1, currency: 'EUR' } }));
    return { head, pipeline, deal, companyId };
  }

  it('renames, reorders, adds, edits and archives stages, keeping ids, and publishes PipelineUpdated', async () => {
    const { head, pipeline, deal } = await pipelineWithDeal();
    const reader = await readTopics([topics.pipeline]);
    try {
      const [a, b, c] = asInput(pipeline);
      const stages = [
        { ...a!, name: 'Enquiry' },
        { ...c!, archived: true },
        { ...b!, keySteps: [{ title: 'Send the offer', role: 'MANAGER' }], result: 'Offer accepted' },
        { name: 'Won', probability: 1, kind: 'WON' },
      ];
      const { updatePipeline } = dataOf(await call(head, UPDATE, { id: pipeline.id, input: { name: 'Renamed', strictness: 'WARN', stages } }));
      expect(updatePipeline).toMatchObject({ name: 'Renamed', strictness: 'WARN' });
      expect(updatePipeline.stages.map((s: any) => [s.id, s.name, s.position, s.archived])).toEqual([
        [a!.id, 'Enquiry', 0, false],
        [c!.id, 'C', 1, true],
        [b!.id, 'B', 2, false],
        [expect.any(String), 'Won', 3, false],
      ]);
      // The deal in the renamed stage is untouched and shows the new name.
      const { deal: reread } = dataOf(await call(head, `query ($id: ID!) { deal(id: $id) { stage { id name } stageHistory { to { name } } } }`, { id: deal.id }));
      expect(reread).toEqual({ stage: { id: a!.id, name: 'Enquiry' }, stageHistory: [{ to: { name: 'Enquiry' } }] });

      const message = await reader.waitFor((m) => m.key === pipeline.id && m.event?.type === 'PipelineUpdated');
      expect(parseEvent(message.event).data).toMatchObject({ name: 'Renamed', strictness: 'WARN', changedFields: ['name', 'strictness', 'stages'], deletedStageIds: [] });

      // The same input again changes nothing and publishes nothing new.
      const before = await PipelineModel.findById(pipeline.id).lean();
      dataOf(await call(head, UPDATE, { id: pipeline.id, input: { name: 'Renamed', stages: asInput(updatePipeline) } }));
      expect((await PipelineModel.findById(pipeline.id).lean())?.outboxVersion).toBe(before?.outboxVersion);
    } finally {
      await reader.close();
    }
  });

  it('keeps what an edited stage leaves out, clears what it gives as null (never its kind), and gives a new stage the defaults', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const [lead, offer, ...closing] = guidedStages;
    const pipeline = await createPipelineFrom(service.url, head, { stages: [{ ...lead, task: 'Qualify the need', allowedRoles: ['manager'] }, offer, ...closing] });
    const STAGES = `mutation ($id: ID!, $input: UpdatePipelineInput!) {
      updatePipeline(id: $id, input: $input) { stages { id name kind task result expectedDurationDays allowedRoles archived keySteps { id title role } } }
    }`;
    const bare = ({ id, name, probability }: PipelineView['stages'][number]) => ({ id, name, probability });
    const [l, o, won, delivered, lost] = pipeline.stages;

    // Only ids, names and probabilities (Won renamed, Offer archived): every other field stays.
    const first = dataOf(await call(head, UPDATE, { id: pipeline.id, input: { stages: [bare(l!), { ...bare(o!), archived: true }, { ...bare(won!), name: 'Signed' }, bare(delivered!), bare(lost!)] } })).updatePipeline;
    expect(first.stages.map((stage: any) => [stage.name, stage.kind, stage.archived])).toEqual([
      ['Lead', 'OPEN', false],
      ['Offer', 'OPEN', true],
      ['Signed', 'WON', false],
      ['Delivered', 'POST_SALE', false],
      ['Lost', 'LOST', false],
    ]);
    const { updatePipeline: kept } = dataOf(await call(head, STAGES, { id: pipeline.id, input: { stages: [bare(l!), bare(o!), { ...bare(won!), name: 'Signed' }, bare(delivered!), bare(lost!)] } }));
    expect(kept.stages[0]).toEqual({
      id: l!.id, name: 'Lead', kind: 'OPEN', task: 'Qualify the need', result: 'Need confirmed', expectedDurationDays: 5, allowedRoles: ['manager'], archived: false,
      keySteps: l!.keySteps,
    });
    expect(kept.stages[1]).toMatchObject({ name: 'Offer', archived: true, expectedDurationDays: 10 });

    // Null clears (kind and archived have no empty value: null keeps them); a new stage without an id gets the defaults.
    const cleared = { ...bare(l!), kind: null, archived: null, task: null, result: null, keySteps: null, expectedDurationDays: null, allowedRoles: null };
    const { updatePipeline: after } = dataOf(await call(head, STAGES, {
      id: pipeline.id,
      input: { stages: [cleared, { ...bare(o!), kind: null, archived: null }, { name: 'Negotiation', probability: 0.7 }, { ...bare(won!), name: 'Signed' }, bare(delivered!), bare(lost!)] },
    }));
    expect(after.stages.slice(0, 3)).toEqual([
      { id: l!.id, name: 'Lead', kind: 'OPEN', task: null, result: null, expectedDurationDays: null, allowedRoles: [], archived: false, keySteps: [] },
      { id: o!.id, name: 'Offer', kind: 'OPEN', task: null, result: null, expectedDurationDays: 10, allowedRoles: [], archived: true, keySteps: [] },
      { id: expect.any(String), name: 'Negotiation', kind: 'OPEN', task: null, result: null, expectedDurationDays: null, allowedRoles: [], archived: false, keySteps: [] },
    ]);
    expect(after.stages.slice(3).map((stage: any) => stage.kind)).toEqual(['WON', 'POST_SALE', 'LOST']);
  });

  it('deletes an unused stage, refuses to delete or re-kind a stage in use (CONFLICT), and archived stages take no deals', async () => {
    const { head, pipeline, deal } = await pipelineWithDeal();
    const [a, b, c] = asInput(pipeline);
    const { updatePipeline } = dataOf(await call(head, UPDATE, { id: pipeline.id, input: { stages: [a, b] } }));
    expect(updatePipeline.stages.map((s: any) => s.name)).toEqual(['A', 'B']);
    const stored = await PipelineModel.findById(pipeline.id).lean();
    expect(stored?.stages.find((s) => s._id.toString() === c!.id)?.deleted).toBe(true);

    const deleteInUse = await call(head, UPDATE, { id: pipeline.id, input: { stages: [b] } });
    expect(errorCodes(deleteInUse)).toEqual(['CONFLICT']);
    expect(deleteInUse.errors?.[0]?.extensions?.stageIds).toEqual([a!.id]);
    const rekindUsed = await call(head, UPDATE, { id: pipeline.id, input: { stages: [{ name: 'New start', probability: 0.1 }, { ...a, kind: 'WON' }, b] } });
    expect(errorCodes(rekindUsed)).toEqual(['CONFLICT']);

    // Archive A (the deal's stage): allowed; the deal stays and may leave; no deal enters A again.
    dataOf(await call(head, UPDATE, { id: pipeline.id, input: { stages: [{ ...a, archived: true }, b] } }));
    const move = `mutation ($id: ID!, $stageId: ID!) { moveDealToStage(id: $id, stageId: $stageId) { stage { name } } }`;
    expect(dataOf(await call(head, move, { id: deal.id, stageId: b!.id })).moveDealToStage.stage.name).toBe('B');
    expect(errorCodes(await call(head, move, { id: deal.id, stageId: a!.id }))).toEqual(['BAD_USER_INPUT']);
    // New deals start in the first stage that is not archived.
    const companyId = await publishCompany(head);
    const { createDeal } = dataOf(await call(head, CREATE_DEAL, { input: { title: 'T2', companyId, pipelineId: pipeline.id, amount: 1, currency: 'EUR' } }));
    expect(createDeal.stage.name).toBe('B');
    expect(await DealModel.countDocuments({ tenantId: head.tenantId })).toBe(2);
  });

  it("refuses managers (FORBIDDEN), another tenant's pipeline (NOT_FOUND), foreign stage ids and unknown key steps (BAD_USER_INPUT)", async () => {
    const { head, pipeline } = await pipelineWithDeal();
    const stages = asInput(pipeline);
    expect(errorCodes(await call(testIdentity(head.tenantId, ['manager']), UPDATE, { id: pipeline.id, input: { name: 'Mine' } }))).toEqual(['FORBIDDEN']);
    const eve = testIdentity(undefined, ['admin']);
    expect(errorCodes(await call(eve, UPDATE, { id: pipeline.id, input: { name: 'Mine' } }))).toEqual(['NOT_FOUND']);
    const evePipeline = await createPipelineFrom(service.url, eve, { stages: [{ name: 'E', probability: 0.5 }] });
    const foreignStage = await call(eve, UPDATE, { id: evePipeline.id, input: { stages: [stages[0]] } });
    expect(errorCodes(foreignStage)).toEqual(['BAD_USER_INPUT']);
    expect(foreignStage.errors?.[0]?.extensions?.field).toBe('stages.0.id');
    const unknownStep = await call(head, UPDATE, { id: pipeline.id, input: { stages: [{ ...stages[0], keySteps: [{ id: evePipeline.id, title: 'X', role: 'MANAGER' }] }, ...stages.slice(1)] } });
    expect(errorCodes(unknownStep)).toEqual(['BAD_USER_INPUT']);
    expect((await PipelineModel.findById(pipeline.id).lean())?.name).toBe(pipeline.name);
  });

  it('refuses a key step listed twice in a stage (BAD_USER_INPUT naming it), and key step ids in a new pipeline, storing nothing', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const pipeline = await createPipelineFrom(service.url, head, { stages: guidedStages });
    const before = await PipelineModel.findById(pipeline.id).lean();
    const [lead, ...rest] = asInput(pipeline);
    const [callBuyer, checkCredit] = lead!.keySteps;
    const twice = await call(head, UPDATE, { id: pipeline.id, input: { stages: [{ ...lead, keySteps: [callBuyer, checkCredit, { ...callBuyer, title: 'Call again' }] }, ...rest] } });
    expect(errorCodes(twice)).toEqual(['BAD_USER_INPUT']);
    expect(twice.errors?.[0]?.extensions?.field).toBe('stages.0.keySteps.2.id');
    const after = await PipelineModel.findById(pipeline.id).lean();
    expect(after?.outboxVersion).toBe(before?.outboxVersion);
    expect(after?.stages[0]!.keySteps!.map((step) => step.title)).toEqual(['Call the buyer', 'Check credit']);

    // A new pipeline's steps are new: an id is refused, named with its stage.
    const admin = testIdentity(undefined, ['admin']);
    const withIds = await call(admin, `mutation ($input: CreatePipelineInput!) { createPipeline(input: $input) { id } }`, {
      input: { name: 'P', stages: [{ name: 'A', probability: 0.1 }, { name: 'B', probability: 0.5, keySteps: [{ id: callBuyer!.id, title: 'X', role: 'MANAGER' }] }] },
    });
    expect(errorCodes(withIds)).toEqual(['BAD_USER_INPUT']);
    expect(withIds.errors?.[0]?.extensions?.field).toBe('stages.1.keySteps.0.id');
    expect(await PipelineModel.countDocuments({ tenantId: admin.tenantId })).toBe(0);
  });
});
