// The query planner sends one representation per occurrence of an entity in the results so far,
// so the same entity is often sent many times in one `_entities` fetch. We send each distinct
// representation once and map the answers (and their errors) back to every original position.
import type { GraphQLFormattedError } from 'graphql';

export interface DedupedRepresentations {
  /** Each distinct representation once, in order of first appearance. */
  unique: unknown[];
  /** For each original position, the index of its representation in `unique`. */
  positions: number[];
}

/** Returns undefined when there is nothing to save (no repeated representation). */
export function dedupeRepresentations(representations: readonly unknown[]): DedupedRepresentations | undefined {
  const indexByKey = new Map<string, number>();
  const unique: unknown[] = [];
  const positions = representations.map((representation) => {
    // The planner builds every representation of one fetch with the same field order, so JSON is a sound key.
    const key = JSON.stringify(representation);
    let index = indexByKey.get(key);
    if (index === undefined) {
      index = unique.push(representation) - 1;
      indexByKey.set(key, index);
    }
    return index;
  });
  return unique.length < representations.length ? { unique, positions } : undefined;
}

/** A deep copy of a JSON value, so that positions sharing one answer never share mutable objects. */
function copyJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyJson) as T;
  const copy: Record<string, unknown> = {};
  for (const key in value) copy[key] = copyJson((value as Record<string, unknown>)[key]);
  return copy as T;
}

interface EntitiesResponse {
  data?: { _entities?: unknown[] | null; [key: string]: unknown } | null;
  errors?: readonly GraphQLFormattedError[];
}

/**
 * Maps a response to the de-duplicated fetch back to the original positions: each position gets
 * its entity (the first one the object itself, later ones a copy, since the gateway merges
 * later fetches into these objects), and an error at `_entities.i` is repeated for each position of i.
 */
export function expandEntities<R extends EntitiesResponse>(response: R, { positions }: DedupedRepresentations): R {
  const entities = response.data?._entities;
  const used = new Set<number>();
  const data = Array.isArray(entities)
    ? {
        ...response.data,
        _entities: positions.map((index) => {
          if (!used.has(index)) {
            used.add(index);
            return entities[index];
          }
          return copyJson(entities[index]);
        }),
      }
    : response.data;
  const errors = response.errors?.flatMap((error) => {
    const [root, index, ...rest] = error.path ?? [];
    if (root !== '_entities' || typeof index !== 'number') return [error];
    return positions.flatMap((unique, position) => (unique === index ? [{ ...error, path: ['_entities', position, ...rest] }] : []));
  });
  return { ...response, data, ...(errors && { errors }) };
}
