import { createEvent, eventMeta, PipelineCreated, PipelineUpdated, type EventCause } from '@crm/events';
import { liveStages, stageData, strictnessOf, type PipelineDoc } from './pipeline.model';

/** What both pipeline events say: the pipeline as it is now, deleted stages left out. */
const snapshot = (pipeline: PipelineDoc) => ({
  pipelineId: pipeline._id.toString(),
  name: pipeline.name,
  strictness: strictnessOf(pipeline),
  stages: liveStages(pipeline).map(stageData),
  followUps: (pipeline.followUps ?? []).map(({ title, role, afterDays }) => ({ title, role, afterDays })),
});

export const pipelineCreated = (pipeline: PipelineDoc, cause: EventCause) =>
  createEvent(PipelineCreated, eventMeta(cause, pipeline._id.toString()), { ...snapshot(pipeline), templateKey: pipeline.templateKey ?? null });

export type PipelineField = 'name' | 'strictness' | 'stages' | 'followUps';

export const pipelineUpdated = (after: PipelineDoc, changedFields: PipelineField[], deletedStageIds: string[], cause: EventCause) =>
  createEvent(PipelineUpdated, eventMeta(cause, after._id.toString()), { ...snapshot(after), changedFields, deletedStageIds });
