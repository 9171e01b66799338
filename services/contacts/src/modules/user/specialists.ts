import type { UserDoc } from './user.model';

export type ExpertiseKind = 'PRODUCT' | 'INDUSTRY' | 'LANGUAGE';
export interface SpecialistCriteria {
  product?: string | null;
  industry?: string | null;
  language?: string | null;
}
export interface SpecialistMatchView {
  user: UserDoc;
  matched: ExpertiseKind[];
  score: number;
}

/** What of the criteria a person matches. */
export function matchedBy(user: Pick<UserDoc, 'products' | 'industries' | 'languages'>, criteria: SpecialistCriteria): ExpertiseKind[] {
  const matched: ExpertiseKind[] = [];
  if (criteria.product && user.products.includes(criteria.product)) matched.push('PRODUCT');
  if (criteria.industry && user.industries.includes(criteria.industry)) matched.push('INDUSTRY');
  if (criteria.language && user.languages.includes(criteria.language)) matched.push('LANGUAGE');
  return matched;
}

/** Ranks candidates (each once) by how many criteria they match, then by name, then id; keeps the first `size`. */
export function rankSpecialists(candidates: UserDoc[], criteria: SpecialistCriteria, size: number): SpecialistMatchView[] {
  const unique = [...new Map(candidates.map((user) => [user.userId, user])).values()];
  return unique
    .map((user) => {
      const matched = matchedBy(user, criteria);
      return { user, matched, score: matched.length };
    })
    .filter((match) => match.score > 0)
    .sort((a, b) => b.score - a.score || a.user.nameKey.localeCompare(b.user.nameKey) || a.user.userId.localeCompare(b.user.userId))
    .slice(0, size);
}
