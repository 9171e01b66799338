/**
 * The shape rules of a pipeline's stages, pure (unit-tested on their own):
 * - deals start in the first stage that is not archived, so it must exist and be OPEN;
 * - at most one WON stage: "the win" is one event and one count in the funnel and forecast,
 *   and post-sale stages need one place to follow. None is fine: a pipeline created before
 *   stage kinds (every stage OPEN) must keep working, and some paths are never "won";
 * - POST_SALE stages come after the WON stage (delivery, acceptance, payment follow the win);
 * - LOST stages may be anywhere but first, as many as the company likes.
 * Returns the first broken rule, or null.
 */
export interface StageShape {
  name: string;
  kind: 'OPEN' | 'WON' | 'LOST' | 'POST_SALE';
  archived?: boolean;
}

export function stageOrderProblem(stages: readonly StageShape[]): string | null {
  const entry = stages.find((stage) => !stage.archived);
  if (!entry) return 'a pipeline needs at least one stage that is not archived';
  if (entry.kind !== 'OPEN') return `the first stage ("${entry.name}") is where deals start: it must be OPEN`;
  const won = stages.map((stage, index) => ({ stage, index })).filter(({ stage }) => stage.kind === 'WON');
  if (won.length > 1) return `a pipeline has at most one WON stage (${won.map(({ stage }) => `"${stage.name}"`).join(', ')})`;
  const wonAt = won[0]?.index ?? Infinity;
  const early = stages.find((stage, index) => stage.kind === 'POST_SALE' && index < wonAt);
  if (early) return `post-sale stage "${early.name}" must come after the WON stage`;
  return null;
}
