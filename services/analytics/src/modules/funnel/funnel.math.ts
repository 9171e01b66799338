/** Pure funnel maths: no I/O, so the rules are unit-tested on their own. */

export interface StageInput {
  id: string;
  name: string;
  position: number;
  /** Absent for pipelines known before stage kinds: OPEN. */
  kind?: 'OPEN' | 'WON' | 'LOST' | 'POST_SALE';
  /** 0..1, for the forecast; absent for pipelines stored before it was kept. */
  probability?: number | null;
  /** How long a deal is expected to stay, for stale deals; null when the pipeline sets none. */
  expectedDurationDays?: number | null;
}

/** How many deals got at most as far as `position` (one row per distinct maxPosition). */
export interface PositionCount {
  position: number;
  deals: number;
}

export interface FunnelStageFigures {
  stageId: string;
  name: string;
  position: number;
  reached: number;
  /** reached[next] / reached[this]; null for the last stage or when nobody reached this one. */
  conversionToNext: number | null;
}

export interface FunnelFigures {
  totalDeals: number;
  stages: FunnelStageFigures[];
  /** The non-last stage with the lowest conversion, the earliest on ties. */
  bottleneckStageId: string | null;
  /** Deals that reached the WON stage (or, without one, the last stage) over deals that reached the first. */
  overallConversion: number | null;
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/**
 * LOST stages are left out: a lost deal counts up to the stage it was lost from (the deals
 * service's events never move a deal's furthest stage into a LOST one). A won deal moving on
 * through POST_SALE stages is one deal in the counters: its win counts once.
 */
export function computeFunnel(stages: readonly StageInput[], counts: readonly PositionCount[]): FunnelFigures {
  const ordered = stages.filter((stage) => stage.kind !== 'LOST').sort((a, b) => a.position - b.position);
  // A deal that skipped a stage still passed it: it counts for every stage up to its furthest.
  const reached = ordered.map((stage) => counts.reduce((sum, row) => (row.position >= stage.position ? sum + row.deals : sum), 0));
  const figures = ordered.map((stage, i): FunnelStageFigures => ({
    stageId: stage.id,
    name: stage.name,
    position: stage.position,
    reached: reached[i]!,
    conversionToNext: i + 1 < ordered.length ? ratio(reached[i + 1]!, reached[i]!) : null,
  }));

  let bottleneck: FunnelStageFigures | null = null;
  for (const stage of figures) {
    if (stage.conversionToNext === null) continue;
    if (bottleneck === null || stage.conversionToNext < bottleneck.conversionToNext!) bottleneck = stage;
  }

  return {
    totalDeals: counts.reduce((sum, row) => sum + row.deals, 0),
    stages: figures,
    bottleneckStageId: bottleneck?.stageId ?? null,
    overallConversion: figures.length === 0 ? null : ratio((figures[ordered.findIndex((stage) => stage.kind === 'WON')] ?? figures.at(-1)!).reached, figures[0]!.reached),
  };
}
