import { badInput } from '@crm/service-kit';
import { DealFactModel } from '../deal-facts/deal-fact.model';
import { StageSpanModel } from '../deal-facts/stage-span.model';
import type { PipelineDoc } from '../funnel/pipeline.model';
import { durationStats } from './percentiles';

/** The most stage stays, and won deals, one query reads: the bound of its cost (see the bench). */
export const MAX_DURATIONS = 50_000;
const DAY_MS = 86_400_000;

export function checkPeriod(from: Date, to: Date): void {
  if (Number.isNaN(from.getTime())) throw badInput('from is not a date and time', 'from');
  if (Number.isNaN(to.getTime())) throw badInput('to is not a date and time', 'to');
  if (from.getTime() > to.getTime()) throw badInput('from must not be after to', 'from');
}

export async function salesCycleOf(tenantId: string, pipeline: PipelineDoc, from: Date, to: Date, now = new Date()) {
  const stages = pipeline.stages.filter((stage) => stage.kind !== 'LOST').sort((a, b) => a.position - b.position);
  const [spans, won, stale] = await Promise.all([
    StageSpanModel.find({ tenantId, pipelineId: pipeline._id, leftAt: { $gte: from, $lte: to } }, { stageId: 1, days: 1 })
      .sort({ leftAt: 1 })
      .limit(MAX_DURATIONS + 1)
      .lean<{ stageId: string; days: number }[]>(),
    DealFactModel.find({ tenantId, pipelineId: pipeline._id, status: 'WON', wonAt: { $gte: from, $lte: to } }, { createdAt: 1, wonAt: 1 })
      .sort({ wonAt: 1 })
      .limit(MAX_DURATIONS + 1)
      .lean<{ createdAt: Date; wonAt: Date }[]>(),
    // Per stage with an expected duration: a count over an index range, bounded by the stale deals themselves.
    Promise.all(
      stages.map((stage) =>
        stage.expectedDurationDays
          ? DealFactModel.countDocuments({ tenantId, pipelineId: pipeline._id, status: 'OPEN', stageId: stage.id, stageEnteredAt: { $lt: new Date(now.getTime() - stage.expectedDurationDays * DAY_MS) } })
          : 0,
      ),
    ),
  ]);
  const truncated = spans.length > MAX_DURATIONS || won.length > MAX_DURATIONS;
  const daysByStage = new Map<string, number[]>();
  for (const span of spans.slice(0, MAX_DURATIONS)) daysByStage.set(span.stageId, [...(daysByStage.get(span.stageId) ?? []), span.days]);
  return {
    pipelineId: pipeline._id,
    from,
    to,
    stages: stages.map((stage, i) => ({
      stageId: stage.id,
      name: stage.name,
      position: stage.position,
      time: durationStats(daysByStage.get(stage.id) ?? []),
      expectedDurationDays: stage.expectedDurationDays ?? null,
      staleDeals: stale[i]!,
    })),
    creationToWin: durationStats(won.slice(0, MAX_DURATIONS).map((deal) => (new Date(deal.wonAt).getTime() - new Date(deal.createdAt).getTime()) / DAY_MS)),
    truncated,
  };
}
