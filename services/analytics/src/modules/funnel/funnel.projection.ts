import { PermanentEventError } from '@crm/messaging';
import { DealProgressModel } from './deal-progress.model';
import { computeFunnel, type StageInput } from './funnel.math';
import { FunnelModel, funnelId } from './funnel.model';
import { PipelineModel, type PipelineDoc } from './pipeline.model';

/*
 * The funnel is never patched by increments: each event updates its own small fact
 * (a pipeline, or one deal's furthest stage via $max) and the funnel is then recomputed
 * from all facts of that pipeline. Facts are idempotent, so duplicates, replays and
 * redeliveries after a crash leave the funnel exactly as it was.
 */

const isDuplicateKey = (error: unknown) => (error as { code?: number } | null)?.code === 11000;

/** Ids are global: an upsert colliding with another tenant's document must never touch it. */
async function inOwnTenant<T>(write: Promise<T>, what: string): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isDuplicateKey(error)) throw new PermanentEventError(`${what} belongs to another tenant`);
    throw error;
  }
}

export async function savePipeline(tenantId: string, pipelineId: string, name: string, stages: StageInput[]): Promise<void> {
  const pipeline = await inOwnTenant(
    PipelineModel.findOneAndUpdate(
      { _id: pipelineId, tenantId },
      { $set: { name, stages }, $inc: { revision: 1 } },
      { upsert: true, returnDocument: 'after' },
    ).lean<PipelineDoc>(),
    `pipeline ${pipelineId}`,
  );
  await writeFunnel(pipeline!);
}

/** Records that a deal reached `position` (never lowering what it reached before), then recomputes. */
export async function recordProgress(tenantId: string, dealId: string, pipelineId: string, position: number): Promise<void> {
  await inOwnTenant(
    // A deal stays in the pipeline it was created in: no event moves it to another one.
    DealProgressModel.updateOne({ _id: dealId, tenantId }, { $setOnInsert: { pipelineId }, $max: { maxPosition: position } }, { upsert: true }),
    `deal ${dealId}`,
  );
  const pipeline = await PipelineModel.findOneAndUpdate({ _id: pipelineId, tenantId }, { $inc: { revision: 1 } }, { returnDocument: 'after' }).lean<PipelineDoc>();
  // Not known (yet) in this tenant: the progress is kept and PipelineCreated recomputes.
  if (pipeline) await writeFunnel(pipeline);
}

/** Recomputes and stores the funnel at `pipeline.revision`; a stale revision leaves the stored funnel alone. */
export async function writeFunnel(pipeline: PipelineDoc): Promise<void> {
  const { _id: pipelineId, tenantId } = pipeline;
  const counts = await DealProgressModel.aggregate<{ _id: number; deals: number }>([
    { $match: { tenantId, pipelineId } },
    { $group: { _id: '$maxPosition', deals: { $sum: 1 } } },
  ]);
  const figures = computeFunnel(pipeline.stages, counts.map((row) => ({ position: row._id, deals: row.deals })));
  const _id = funnelId(tenantId, pipelineId);
  try {
    // Two replicas may recompute the same pipeline at once: the revision was taken after the
    // progress write, so the higher one saw every fact and only an older stored funnel is replaced.
    await FunnelModel.replaceOne(
      { _id, tenantId, revision: { $lt: pipeline.revision } },
      { _id, tenantId, pipelineId, pipelineName: pipeline.name, revision: pipeline.revision, ...figures, updatedAt: new Date() },
      { upsert: true },
    );
  } catch (error) {
    if (!isDuplicateKey(error)) throw error; // a newer revision is already stored
  }
}
