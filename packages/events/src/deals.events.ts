import { z } from 'zod';
import { defineEvent } from './define';
import { topics } from './topics';

const stageRef = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  position: z.number().int().nonnegative(),
});

export const PipelineCreated = defineEvent({
  type: 'PipelineCreated',
  version: 1,
  source: 'deals',
  topic: topics.pipeline,
  aggregateType: 'Pipeline',
  data: z.object({
    pipelineId: z.string().min(1),
    name: z.string().min(1),
    stages: z.array(stageRef.extend({ probability: z.number().min(0).max(1) })).min(1),
  }),
});

/** What every deal event says about the deal it concerns. */
const dealFields = {
  dealId: z.string().min(1),
  title: z.string().min(1),
  pipelineId: z.string().min(1),
  ownerId: z.string().min(1),
};

export const DealCreated = defineEvent({
  type: 'DealCreated',
  version: 1,
  source: 'deals',
  topic: topics.deal,
  aggregateType: 'Deal',
  data: z.object({
    ...dealFields,
    stage: stageRef,
    companyId: z.string().min(1),
    amount: z.number().nonnegative(),
    currency: z.string().length(3),
    status: z.enum(['OPEN', 'WON', 'LOST']),
  }),
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
    movedBy: z.string().min(1),
  }),
});
