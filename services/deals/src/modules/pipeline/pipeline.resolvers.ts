import { hasRight } from '@crm/policy';
import { insertWithEvents, isDuplicateKey, updateWithEvents } from '@crm/messaging';
import { badInput, conflict, forbidden, listSize, notFound, parseInput, requireId, type ListBound } from '@crm/service-kit';
import { Types } from 'mongoose';
import type { DealsContext } from '../../context';
import type { Resolvers } from '../../generated/graphql';
import { pipelineCreated, pipelineUpdated, type PipelineField } from './pipeline.events';
import { createPipelineInput, updatePipelineInput } from './pipeline.input';
import { liveStages, PipelineModel, shownPipelines, stageKind, strictnessOf, type PipelineDoc } from './pipeline.model';
import { findTemplate, pipelineTemplates } from './pipeline.templates';
import { newStages, stagesDiffer, updatedStages } from './pipeline.update';
import { withStagesLocked } from './stage-lock';

/** Query.pipelines: as in pipeline.graphql. */
export const PIPELINES: ListBound = { default: 50, max: 100 };

// The funnel is the company's sales process: by default managers follow it, they do not define it (@crm/policy's pipeline rights).
async function requireDesigner(ctx: DealsContext, action: 'create' | 'update', what: string): Promise<void> {
  if (!(await hasRight(ctx, 'pipeline', action))) throw forbidden(`your roles may not ${what}`);
}

async function requirePipelineReader(ctx: DealsContext): Promise<true> {
  if (!(await hasRight(ctx, 'pipeline', 'read'))) throw forbidden('your roles may not read pipelines');
  return true;
}

async function insertPipeline(input: unknown, templateKey: string | null, ctx: DealsContext): Promise<PipelineDoc> {
  const fields = parseInput(createPipelineInput, input);
  const pipeline = {
    tenantId: ctx.tenantId,
    name: fields.name,
    stages: newStages(fields.stages),
    strictness: fields.strictness,
    followUps: fields.followUps,
    templateKey,
  };
  return insertWithEvents(PipelineModel, pipeline, (created) => pipelineCreated(created, ctx)).catch((error: unknown) => {
    if (isDuplicateKey(error)) throw conflict(`a pipeline named "${fields.name}" already exists`);
    throw error;
  });
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export const pipelineResolvers: Resolvers = {
  Query: {
    pipelines: async (_parent, { first }, ctx) =>
      (await requirePipelineReader(ctx)) &&
      PipelineModel.find({ tenantId: ctx.tenantId }).sort({ name: 1 }).limit(listSize(first, PIPELINES)).lean<PipelineDoc[]>().exec(),
    pipeline: async (_parent, { id }, ctx) => (await requirePipelineReader(ctx)) && ctx.loaders.pipelineToShow.load(id),
    pipelineTemplates: () => [...pipelineTemplates],
  },
  Mutation: {
    createPipeline: async (_parent, { input }, ctx) => {
      await requireDesigner(ctx, 'create', 'create pipelines');
      return insertPipeline(input, null, ctx);
    },

    createPipelineFromTemplate: async (_parent, { key, name }, ctx) => {
      await requireDesigner(ctx, 'create', 'create pipelines');
      const template = findTemplate(key);
      if (!template) throw badInput(`no template "${key.slice(0, 100)}"; pipelineTemplates lists them`, 'key');
      const { stages, strictness, followUps } = template;
      return insertPipeline({ name: name ?? template.name, stages, strictness, followUps }, template.key, ctx);
    },

    updatePipeline: async (_parent, { id, input }, ctx) => {
      await requireDesigner(ctx, 'update', 'change pipelines');
      requireId(id, 'id');
      const fields = parseInput(updatePipelineInput, input);
      const pipeline = await ctx.loaders.pipelineById.load(id);
      if (!pipeline) throw notFound('Pipeline', id);

      const next = {
        name: fields.name ?? pipeline.name,
        strictness: fields.strictness ?? strictnessOf(pipeline),
        followUps: fields.followUps ?? pipeline.followUps ?? [],
        ...(fields.stages ? await updatedStages(pipeline, fields.stages) : { stages: pipeline.stages, deletedIds: [] as string[], guarded: [] }),
      };
      const changed: PipelineField[] = [];
      if (next.name !== pipeline.name) changed.push('name');
      if (next.strictness !== strictnessOf(pipeline)) changed.push('strictness');
      if (stagesDiffer(pipeline.stages, next.stages)) changed.push('stages');
      if (!sameJson(next.followUps, (pipeline.followUps ?? []).map(({ title, role, afterDays }) => ({ title, role, afterDays })))) changed.push('followUps');
      if (changed.length === 0) return pipeline;

      const after = { ...pipeline, name: next.name, strictness: next.strictness, followUps: next.followUps, stages: next.stages };
      // Stages deleted now are recorded for the stranded-deals sweep (deal/deal.sweep.ts), in the
      // same write: a createDeal whose replica died between its insert and its check may have
      // left a deal in one of them.
      const deletedAt = new Date();
      const sweeps = next.deletedIds.map((stageId) => ({ stageId: new Types.ObjectId(stageId), deletedAt }));
      // Conditional on the version read: two editors at once cannot both win, and the event
      // always describes what is stored. Deleting or re-kinding stages also needs the mark that
      // kept deals out of them since they were found empty (stage-lock.ts).
      const write = (lock?: string) =>
        updateWithEvents(
          PipelineModel,
          { _id: pipeline._id, tenantId: ctx.tenantId, outboxVersion: pipeline.outboxVersion ?? null, ...(lock && { 'stageLock.token': lock }) },
          {
            $set: { name: next.name, strictness: next.strictness, followUps: next.followUps, stages: next.stages, ...(sweeps.length > 0 && { stageSweepPending: true }) },
            ...(sweeps.length > 0 && { $push: { stageSweeps: { $each: sweeps } } }),
            ...(lock && { $unset: { stageLock: '' } }),
          },
          pipelineUpdated(pipeline, after, changed, next.deletedIds, ctx),
        ).catch((error: unknown) => {
          if (isDuplicateKey(error)) throw conflict(`a pipeline named "${next.name}" already exists`);
          throw error;
        });
      const updated = next.guarded.length > 0 ? await withStagesLocked(pipeline, next.guarded, write) : await write();
      if (!updated) throw conflict(`pipeline ${id} was changed by someone else meanwhile; reload and try again`);
      shownPipelines.forget(ctx.tenantId, id);
      return updated;
    },
  },
  Pipeline: {
    // A copy: @apollo/subgraph marks an entity with its __typename, and the kept pipeline is frozen.
    __resolveReference: async (reference, ctx) => {
      const pipeline = await ctx.loaders.pipelineToShow.load(reference.id);
      return pipeline && { ...pipeline };
    },
    id: (pipeline) => pipeline._id.toString(),
    stages: (pipeline) => liveStages(pipeline),
    strictness: (pipeline) => strictnessOf(pipeline),
    followUps: (pipeline) => pipeline.followUps ?? [],
    templateKey: (pipeline) => pipeline.templateKey ?? null,
  },
  Stage: {
    id: (stage) => stage._id.toString(),
    kind: (stage) => stageKind(stage),
    task: (stage) => stage.task ?? null,
    result: (stage) => stage.result ?? null,
    keySteps: (stage) => stage.keySteps ?? [],
    expectedDurationDays: (stage) => stage.expectedDurationDays ?? null,
    allowedRoles: (stage) => stage.allowedRoles ?? [],
    archived: (stage) => stage.archived ?? false,
  },
  KeyStep: {
    id: (step) => step._id.toString(),
  },
};
