import { canSeeTeam, inScope, requireFigures, scopeOf, type HasAccess } from '@crm/policy';

/**
 * Which rows of a figure the caller may see: a row per person or per team is that figure
 * filtered by the person or the team, so it follows the rule `requireFigures` applies to a
 * filter (docs/architecture.md, "Roles and rights"). With the analytics read scope
 * - ALL: every row, those without a person or a team included;
 * - TEAM: the rows of the user and of everyone of the teams they lead or belong to, and of those teams;
 * - OWN: the user's own row, and no team's (a team filter needs TEAM or ALL).
 * A row without a person or a team (deals without an owner, activities without a team) is a
 * group of records outside any OWN or TEAM scope: ALL only. Tenant-wide totals are aggregates,
 * not records: any read right sees them, so leaving a filter out never shows more rows than
 * the filters the scope allows would.
 */
export interface FiguresScope {
  all: boolean;
  person: (userId: string | null | undefined) => boolean;
  team: (teamId: string | null | undefined) => boolean;
}

/** The caller's figures scope, FORBIDDEN without an analytics read right or with a filter outside it (as `requireFigures`). */
export async function figuresScope(ctx: HasAccess, filter: { teamId?: string | null; ownerId?: string | null } = {}): Promise<FiguresScope> {
  await requireFigures(ctx, 'analytics', filter);
  const access = await ctx.access();
  const scope = scopeOf(access, 'analytics', 'read')!;
  if (scope === 'ALL') return { all: true, person: () => true, team: () => true };
  return {
    all: false,
    person: (userId) => !!userId && inScope(access, scope, { ownerId: userId }),
    team: (teamId) => !!teamId && canSeeTeam(access, 'analytics', 'read', teamId),
  };
}
