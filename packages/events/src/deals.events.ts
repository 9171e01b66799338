import { z } from 'zod';
import { defineEvent } from './define';
import { fieldChanges } from './field-change';
import { topics } from './topics';

export const stageKinds = ['OPEN', 'WON', 'LOST', 'POST_SALE'] as const;
export const strictnessLevels = ['NONE', 'WARN', 'ENFORCE'] as const;
export const dealStatuses = ['OPEN', 'WON', 'LOST'] as const;

const id = z.string().min(1);

const stageRef = z.object({
  id,
  name: z.string().min(1),
  position: z.number().int().nonnegative(),
  /** Added after v1 of the deal events as an optional field: absent means OPEN (every stage was, before kinds). */
  kind: z.enum(stageKinds).optional(),
});

/** A stage as a pipeline event describes it, with everything guided selling needs. */
const stage = z.object({
  id,
  name: z.string().min(1),
  position: z.number().int().nonnegative(),
  probability: z.number().min(0).max(1),
  kind: z.enum(stageKinds),
  task: z.string().nullable(),
  result: z.string().nullable(),
  keySteps: z.array(z.object({ id, title: z.string().min(1), role: z.string().min(1) })).max(50),
  expectedDurationDays: z.number().int().positive().nullable(),
  archived: z.boolean(),
});

/** What a pipeline asks for after a deal is won, for the activities service to schedule. */
const followUp = z.object({ title: z.string().min(1), role: z.string().min(1), afterDays: z.number().int().nonnegative() });

const pipelineFields = {
  pipelineId: id,
  name: z.string().min(1),
  strictness: z.enum(strictnessLevels),
  /** Every stage in order, archived ones included (deals may still be in them); deleted ones left out. */
  stages: z.array(stage).min(1).max(60),
  followUps: z.array(followUp).max(50),
  /**
   * Optional addition (same version): the pipeline's version after this change, 1 for a new
   * pipeline, one more per PipelineUpdated. Deal events name the version their move was checked
   * against (`pipelineVersion`), so a consumer can tell a copy of the pipeline that is behind.
   */
  pipelineVersion: z.number().int().positive().optional(),
};

/**
 * Optional addition to deal events (same version): the version of the deal's pipeline (as in its
 * PipelineCreated/PipelineUpdated) that the deal's stage was checked against. Absent in older events.
 */
const pipelineVersion = z.number().int().positive().optional();

const exampleStages = [
  {
    id: '665f20118b3e4a0012a4b601',
    name: 'Planned order',
    position: 0,
    probability: 0.1,
    kind: 'OPEN' as const,
    task: 'Agree the assortment and volumes the client plans to order',
    result: 'Order quantities and delivery window confirmed by the client',
    keySteps: [{ id: '665f20118b3e4a0012a4b611', title: 'Check the client’s stock and sales plan', role: 'MANAGER' }],
    expectedDurationDays: 7,
    archived: false,
  },
  {
    id: '665f20118b3e4a0012a4b602',
    name: 'Realised',
    position: 1,
    probability: 1,
    kind: 'WON' as const,
    task: null,
    result: null,
    keySteps: [],
    expectedDurationDays: null,
    archived: false,
  },
];

/** v1: stages with name, position and probability only. Still readable: v2 upcasts it. */
export const PipelineCreatedV1 = defineEvent({
  type: 'PipelineCreated',
  version: 1,
  source: 'deals',
  topic: topics.pipeline,
  aggregateType: 'Pipeline',
  data: z.object({
    pipelineId: id,
    name: z.string().min(1),
    stages: z.array(stageRef.omit({ kind: true }).extend({ probability: z.number().min(0).max(1) })).min(1),
  }),
  example: { pipelineId: '665f20118b3e4a0012a4b600', name: 'Sales', stages: [{ id: '665f20118b3e4a0012a4b601', name: 'Lead', position: 0, probability: 0.1 }] },
});

/** v2: stage kinds, tasks, results, key steps, durations; the pipeline's strictness and post-sale follow-ups. */
export const PipelineCreated = defineEvent({
  type: 'PipelineCreated',
  version: 2,
  source: 'deals',
  topic: topics.pipeline,
  aggregateType: 'Pipeline',
  data: z.object({ ...pipelineFields, templateKey: z.string().nullable() }),
  // A v1 pipeline had plain OPEN stages and no guided selling: exactly the v2 defaults.
  upcast: (previous) => {
    const v1 = previous as z.infer<typeof PipelineCreatedV1.data>;
    return {
      pipelineId: v1.pipelineId,
      name: v1.name,
      strictness: 'NONE' as const,
      stages: v1.stages.map((old) => ({ ...old, kind: 'OPEN' as const, task: null, result: null, keySteps: [], expectedDurationDays: null, archived: false })),
      followUps: [],
      templateKey: null,
    };
  },
  example: {
    pipelineId: '665f20118b3e4a0012a4b600',
    name: 'Distribution',
    strictness: 'WARN',
    stages: exampleStages,
    followUps: [{ title: 'Call the client about the first delivery', role: 'MANAGER', afterDays: 3 }],
    templateKey: 'distribution',
    pipelineVersion: 1,
  },
});

/** The whole pipeline after the change (consumers replace what they keep), and which of its fields changed. */
export const PipelineUpdated = defineEvent({
  type: 'PipelineUpdated',
  version: 1,
  source: 'deals',
  topic: topics.pipeline,
  aggregateType: 'Pipeline',
  data: z.object({
    ...pipelineFields,
    changedFields: z.array(z.enum(['name', 'strictness', 'stages', 'followUps'])).min(1),
    /** Ids of stages deleted by this change (none was in use). */
    deletedStageIds: z.array(id).max(60),
  }),
  example: {
    pipelineId: '665f20118b3e4a0012a4b600',
    name: 'Distribution',
    strictness: 'ENFORCE',
    stages: [exampleStages[0]!, { ...exampleStages[1]!, position: 1 }],
    followUps: [],
    changedFields: ['strictness', 'stages'],
    deletedStageIds: ['665f20118b3e4a0012a4b603'],
    pipelineVersion: 4,
  },
});

/** What every deal event says about the deal it concerns. */
const dealFields = {
  dealId: id,
  title: z.string().min(1),
  pipelineId: id,
  ownerId: id,
};

const exampleDeal = {
  dealId: '665f21a08b3e4a0012a4b700',
  title: 'Office cleaning, 3 floors',
  pipelineId: '665f20118b3e4a0012a4b600',
  ownerId: 'user-anna',
};

const money = { amount: z.number().nonnegative(), currency: z.string().length(3) };

/** A deal's line item as the deals service stores it: the amount is quantity × unitPrice less discountPercent. */
const lineItem = z.object({
  product: z.string().min(1).max(200),
  quantity: z.number().positive(),
  unitPrice: z.number().nonnegative(),
  discountPercent: z.number().min(0).max(100).nullish(),
});

export const DealCreated = defineEvent({
  type: 'DealCreated',
  version: 1,
  source: 'deals',
  topic: topics.deal,
  aggregateType: 'Deal',
  data: z.object({
    ...dealFields,
    stage: stageRef,
    companyId: id,
    ...money,
    status: z.enum(dealStatuses),
    // Optional additions (same version): absent in events published before they existed.
    teamId: z.string().nullish(),
    territoryId: z.string().nullish(),
    source: z.string().nullish(),
    expectedCloseDate: z.string().nullish(),
    contacts: z.array(z.object({ contactId: id, role: z.string().nullable() })).max(50).optional(),
    pipelineVersion,
    lineItems: z.array(lineItem).max(100).optional(),
  }),
  example: {
    ...exampleDeal,
    stage: { id: '665f20118b3e4a0012a4b601', name: 'Prospect', position: 0, kind: 'OPEN' },
    companyId: '665f1c2e8b3e4a0012a4b5c6',
    amount: 14400,
    currency: 'EUR',
    status: 'OPEN',
    teamId: 'team-north',
    territoryId: 'berlin',
    source: 'WEB_FORM',
    expectedCloseDate: '2025-07-31',
    contacts: [{ contactId: '665f1c4a8b3e4a0012a4b5c9', role: 'Decision maker' }],
    pipelineVersion: 4,
    lineItems: [{ product: 'Office cleaning', quantity: 12, unitPrice: 1250, discountPercent: 4 }],
  },
});

export const DealStageChanged = defineEvent({
  type: 'DealStageChanged',
  version: 1,
  source: 'deals',
  topic: topics.deal,
  aggregateType: 'Deal',
  data: z.object({
    ...dealFields,
    fromStage: stageRef,
    toStage: stageRef,
    movedBy: id,
    // Optional additions (same version, see docs/events.md "Evolution").
    status: z.enum(dealStatuses).optional(),
    /** Time the deal spent in fromStage. */
    durationSeconds: z.number().int().nonnegative().optional(),
    /** Key steps (titles) and "result" left undone when the pipeline's strictness is WARN. */
    skipped: z.array(z.string().min(1)).max(51).optional(),
    pipelineVersion,
  }),
  example: {
    ...exampleDeal,
    fromStage: { id: '665f20118b3e4a0012a4b601', name: 'Prospect', position: 0, kind: 'OPEN' },
    toStage: { id: '665f20118b3e4a0012a4b602', name: 'Contact made', position: 1, kind: 'OPEN' },
    movedBy: 'user-anna',
    status: 'OPEN',
    durationSeconds: 259200,
    skipped: ['result'],
    pipelineVersion: 4,
  },
});

const closed = {
  ...dealFields,
  companyId: id,
  ...money,
  stage: stageRef,
  closedAt: z.iso.datetime({ offset: true }),
};

/** A deal entered its pipeline's WON stage. Published once per win: moves through post-sale stages publish none. */
export const DealWon = defineEvent({
  type: 'DealWon',
  version: 1,
  source: 'deals',
  topic: topics.deal,
  aggregateType: 'Deal',
  data: z.object({ ...closed, wonBy: id, pipelineVersion }),
  example: {
    ...exampleDeal,
    companyId: '665f1c2e8b3e4a0012a4b5c6',
    amount: 14400,
    currency: 'EUR',
    stage: { id: '665f20118b3e4a0012a4b609', name: 'Contract signed', position: 8, kind: 'WON' },
    closedAt: '2025-07-14T09:30:00.000Z',
    wonBy: 'user-anna',
    pipelineVersion: 4,
  },
});

/** A deal entered a LOST stage, with the reason from the tenant's list. */
export const DealLost = defineEvent({
  type: 'DealLost',
  version: 1,
  source: 'deals',
  topic: topics.deal,
  aggregateType: 'Deal',
  data: z.object({ ...closed, lostReason: z.string().min(1), lostBy: id }),
  example: {
    ...exampleDeal,
    companyId: '665f1c2e8b3e4a0012a4b5c6',
    amount: 14400,
    currency: 'EUR',
    stage: { id: '665f20118b3e4a0012a4b60d', name: 'Closed unrealised', position: 10, kind: 'LOST' },
    closedAt: '2025-07-14T09:30:00.000Z',
    lostReason: 'Price too high',
    lostBy: 'user-anna',
  },
});

/** A won or lost deal was opened again, in an OPEN stage. */
export const DealReopened = defineEvent({
  type: 'DealReopened',
  version: 1,
  source: 'deals',
  topic: topics.deal,
  aggregateType: 'Deal',
  data: z.object({
    ...dealFields,
    previousStatus: z.enum(['WON', 'LOST']),
    fromStage: stageRef,
    toStage: stageRef,
    reopenedBy: id,
  }),
  example: {
    ...exampleDeal,
    previousStatus: 'LOST',
    fromStage: { id: '665f20118b3e4a0012a4b60d', name: 'Closed unrealised', position: 10, kind: 'LOST' },
    toStage: { id: '665f20118b3e4a0012a4b604', name: 'Scope defined', position: 3, kind: 'OPEN' },
    reopenedBy: 'user-bob',
  },
});

/** One changed field of a deal: its API name and its value before and after (JSON). */

/** Fields of a deal changed by updateDeal (stage and status changes have their own events). */
export const DealUpdated = defineEvent({
  type: 'DealUpdated',
  version: 1,
  source: 'deals',
  topic: topics.deal,
  aggregateType: 'Deal',
  data: z.object({ ...dealFields, changes: fieldChanges(50), updatedBy: id }),
  example: {
    ...exampleDeal,
    changes: [
      { field: 'amount', from: 14400, to: 12960 },
      { field: 'expectedCloseDate', from: '2025-07-31', to: '2025-08-15' },
    ],
    updatedBy: 'user-anna',
  },
});

/** A key step of the deal's current stage was ticked. */
export const KeyStepCompleted = defineEvent({
  type: 'KeyStepCompleted',
  version: 1,
  source: 'deals',
  topic: topics.deal,
  aggregateType: 'Deal',
  data: z.object({ ...dealFields, stage: stageRef, stepId: id, title: z.string().min(1), role: z.string().min(1), completedBy: id }),
  example: {
    ...exampleDeal,
    stage: { id: '665f20118b3e4a0012a4b603', name: 'Meeting agreed', position: 2, kind: 'OPEN' },
    stepId: '665f20118b3e4a0012a4b613',
    title: 'Walk through the premises with the facility manager',
    role: 'MANAGER',
    completedBy: 'user-anna',
  },
});

/** The result of the deal's current stage was recorded (or recorded again, replacing the text). */
export const StageResultRecorded = defineEvent({
  type: 'StageResultRecorded',
  version: 1,
  source: 'deals',
  topic: topics.deal,
  aggregateType: 'Deal',
  data: z.object({ ...dealFields, stage: stageRef, text: z.string().min(1).max(2000), recordedBy: id }),
  example: {
    ...exampleDeal,
    stage: { id: '665f20118b3e4a0012a4b603', name: 'Meeting agreed', position: 2, kind: 'OPEN' },
    text: 'Meeting on 3 July with the office manager and the CFO',
    recordedBy: 'user-anna',
  },
});

/** The tenant's list of reasons for losing a deal, whole, after a change (`aggregateId` = tenant id). */
export const LostReasonsChanged = defineEvent({
  type: 'LostReasonsChanged',
  version: 1,
  source: 'deals',
  topic: topics.dealsSettings,
  aggregateType: 'TenantSettings',
  data: z.object({ reasons: z.array(z.string().min(1).max(200)).min(1).max(100) }),
  example: { reasons: ['Price too high', 'Chose a competitor', 'No budget', 'Postponed', 'Other'] },
});
