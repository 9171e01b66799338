import { badInput } from '@crm/service-kit';
import { DealFactModel } from '../deal-facts/deal-fact.model';
import { MAX_MONTHS, monthsBetween } from '../deal-facts/months';
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
  // As every period of analytics: its reads stay bounded (the calendar months it touches, UTC).
  if (monthsBetween(from, to).length > MAX_MONTHS) throw badInput(`the period may span at most ${MAX_MONTHS} months`, 'to');
}

/** Each stage's stay durations in one pass (a stage's list grows in place: copying it per stay was quadratic). */
export function daysByStage(spans: readonly { stageId: string; days: number }[]): Map<string, number[]> {
  const byStage = new Map<string, number[]>();
  for (const { stageId, days } of spans) {
    const list = byStage.get(stageId);
    if (list) list.push(days);
    else byStage.set(stageId, [days]);
  }
  return byStage;
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
  const stays = daysByStage(spans.slice(0, MAX_DURATIONS));
  return {
    pipelineId: pipeline._id,
    from,
    to,
    stages: stages.map((stage, i) => ({
      stageId: stage.id,
      name: stage.name,
      position: stage.position,
      time: durationStats(stays.get(stage.id) ?? []),
      expectedDurationDays: stage.expectedDurationDays ?? null,
      staleDeals: stale[i]!,
    })),
    creationToWin: durationStats(won.slice(0, MAX_DURATIONS).map((deal) => (new Date(deal.wonAt).getTime() - new Date(deal.createdAt).getTime()) / DAY_MS)),
    truncated,
  };
}
