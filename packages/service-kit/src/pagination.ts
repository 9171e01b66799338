import { badInput } from './errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/**
 * A list field's bound: how many items it returns when `first` is left out (the schema declares
 * the same default) and the most a caller may ask for. More is refused, not clamped, so a caller
 * never mistakes a cut list for the whole one.
 */
export interface ListBound {
  default: number;
  max: number;
}

/** The size a list is read with from the store: `first`, or the default; BAD_USER_INPUT beyond the bound. */
export function listSize(first: number | null | undefined, bound: ListBound, field = 'first'): number {
  if (first == null) return bound.default;
  if (!Number.isInteger(first) || first < 0 || first > bound.max) throw badInput(`${field} must be between 0 and ${bound.max}`, field);
  return first;
}

export const encodeCursor = (id: string): string => Buffer.from(`cursor:${id}`).toString('base64url');

export function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith('cursor:') || decoded.length <= 7) throw badInput('after is not a valid cursor', 'after');
  return decoded.slice(7);
}

export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return first;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Counted only when a client asks for it: a count is a second query. */
  totalCount: () => Promise<number>;
}

/** Builds a Relay connection from one extra row fetched beyond the page (to know if there is a next page). */
export function toConnection<T extends { _id: { toString(): string } }>(
  rows: T[],
  size: number,
  totalCount: () => Promise<number>,
  hasPrevious: boolean,
): Connection<T> {
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ cursor: encodeCursor(node._id.toString()), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}
