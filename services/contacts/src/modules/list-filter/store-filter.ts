/** A filter as the store takes it. */
export type StoreFilter = Record<string, unknown>;

/**
 * All of the parts, as one filter. Conditions on distinct keys are merged at the top level
 * rather than nested in `$and`: our local store sends only top-level equality to its indexes
 * (docs/local-infra.md), so `{tenantId, ownerId}` is searched by the ownerId index while
 * `{tenantId, $and: [{ownerId}]}` would read the tenant's whole set. MongoDB treats both alike.
 */
export function allOf(parts: StoreFilter[]): StoreFilter {
  const merged: StoreFilter = {};
  const nested: StoreFilter[] = [];
  for (const part of parts) {
    if (Object.keys(part).some((key) => key in merged)) nested.push(part);
    else Object.assign(merged, part);
  }
  if (nested.length > 0) merged.$and = [...((merged.$and as StoreFilter[] | undefined) ?? []), ...nested];
  return merged;
}
