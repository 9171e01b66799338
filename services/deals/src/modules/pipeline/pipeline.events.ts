import { createEvent, eventMeta, PipelineCreated, PipelineUpdated, type EventCause } from '@crm/events';
import { liveStages, stageData, strictnessOf, type PipelineDoc } from './pipeline.model';

/**
 * The pipeline's version: how many writes with events it had (`outboxVersion`, raised by each,
 * and only by them). PipelineCreated is version 1, each PipelineUpdated one more; deal events
 * name the version their stage was checked against (deal.events.ts). Absent (undefined) for a
 * pipeline stored before versions were counted and never changed since.
 */
export const pipelineVersionOf = (pipeline: Pick<PipelineDoc, 'outboxVersion'>): number | undefined => pipeline.outboxVersion || undefined;

/** What both pipeline events say: the pipeline as it is now, deleted stages left out. */
const snapshot = (pipeline: PipelineDoc, version: number) => ({
  pipelineId: pipeline._id.toString(),
  name: pipeline.name,
  strictness: strictnessOf(pipeline),
  stages: liveStages(pipeline).map(stageData),
  followUps: (pipeline.followUps ?? []).map(({ title, role, afterDays }) => ({ title, role, afterDays })),
  pipelineVersion: version,
});

/** A new pipeline's insert writes its first event: version 1. */
export const pipelineCreated = (pipeline: PipelineDoc, cause: EventCause) =>
  createEvent(PipelineCreated, eventMeta(cause, pipeline._id.toString()), { ...snapshot(pipeline, 1), templateKey: pipeline.templateKey ?? null });

export type PipelineField = 'name' | 'strictness' | 'stages' | 'followUps';

/** `before`: the pipeline as read; the write is conditional on its version, so the event's is the next one. */
export const pipelineUpdated = (before: PipelineDoc, after: PipelineDoc, changedFields: PipelineField[], deletedStageIds: string[], cause: EventCause) =>
  createEvent(PipelineUpdated, eventMeta(cause, after._id.toString()), { ...snapshot(after, (before.outboxVersion ?? 0) + 1), changedFields, deletedStageIds });
