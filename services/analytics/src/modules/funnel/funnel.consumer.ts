import { DealCreated, DealReopened, DealStageChanged, PipelineCreated, PipelineUpdated, type Envelope, type EventData } from '@crm/events';
import { on, onBatch } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { recordProgress, recordProgressBatch, savePipeline, type Progress } from './funnel.projection';

// Tasks and key steps are the deals service's business; probabilities and durations serve the forecast and the sales cycle.
const funnelStages = ({ stages }: EventData<typeof PipelineCreated>) =>
  stages.map(({ id, name, position, kind, probability, expectedDurationDays }) => ({ id, name, position, kind, probability, expectedDurationDays }));

export const funnelConsumer: ConsumerSpec = {
  groupId: 'analytics.funnel',
  // Its facts and counters are exact under concurrent writers (compare-and-set, tokens): several records at once.
  parallelKeys: 8,
  // The same claims and tokens make an event that comes again change nothing: no look-up of processed records first.
  idempotent: true,
  handlers: [
    // v1 events are upcast to v2 by the catalogue: their stages are all OPEN.
    on(PipelineCreated, async (data, event) => {
      await savePipeline(event.tenantId, data.pipelineId, data.name, funnelStages(data));
    }),
    // The whole pipeline after the change: renamed, reordered, added and archived stages.
    on(PipelineUpdated, async (data, event) => {
      await savePipeline(event.tenantId, data.pipelineId, data.name, funnelStages({ ...data, templateKey: null }));
    }),
    // One event at a time, by the same rules as a batch (progressOf): also the batch handler's fallback.
    on(DealCreated, (_data, event) => recordProgressOf(event)),
    on(DealStageChanged, (_data, event) => recordProgressOf(event)),
    on(DealReopened, (_data, event) => recordProgressOf(event)),
  ],
  // A fetched batch of the deals topic at once: each deal's furthest position claimed, one counters write per pipeline.
  batch: onBatch([DealCreated, DealStageChanged, DealReopened], (events) => recordProgressBatch(events.flatMap(progressOf))),
};

/**
 * The progress a deals event records. A lost deal got as far as the stage it was lost from: the
 * LOST stage is no progress. A reopened deal never lowers its furthest stage (recordProgress keeps
 * the highest), so it keeps what it reached before.
 */
function progressOf(event: Envelope<unknown>): Progress[] {
  const { tenantId } = event;
  if (event.type === DealCreated.type) {
    const { dealId, pipelineId, stage } = event.data as EventData<typeof DealCreated>;
    return [{ tenantId, dealId, pipelineId, position: stage.position, created: true }];
  }
  const { dealId, pipelineId, toStage } = event.data as EventData<typeof DealStageChanged> | EventData<typeof DealReopened>;
  if (event.type === DealStageChanged.type && toStage.kind === 'LOST') return [];
  return [{ tenantId, dealId, pipelineId, position: toStage.position, created: false }];
}

async function recordProgressOf(event: Envelope<unknown>): Promise<void> {
  for (const { tenantId, dealId, pipelineId, position, created } of progressOf(event)) await recordProgress(tenantId, dealId, pipelineId, position, created);
}
