import { isId } from '@crm/service-kit';
import type { AddressDoc } from '../shared/channels.model';
import { addressKeys } from './territory.input';
import { TerritoryModel, type TerritoryDoc, type TerritoryKind } from './territory.model';

type Part = 'city' | 'region' | 'country';
const PART_OF: Record<TerritoryKind, Part> = { CITY: 'city', REGION: 'region', COUNTRY: 'country' };
const DEPTH: Record<TerritoryKind, number> = { COUNTRY: 0, REGION: 1, CITY: 2 };

/** The address a company is placed by: its primary one, else the first. */
export const placingAddress = (addresses: readonly AddressDoc[] | null | undefined) => addresses?.find((address) => address.primary) ?? addresses?.[0] ?? null;

const matches = (territory: Pick<TerritoryDoc, 'code' | 'nameKey'>, keys: { code: string; nameKey: string } | null) =>
  keys !== null && (territory.code === keys.code || territory.nameKey === keys.nameKey);

/**
 * The deepest territory of the tenant that the address names (docs/architecture.md, "Territories"):
 * a city, region or country territory whose code or name equals the address's city, region or
 * country (codes upper-cased, names trimmed, collapsed and lower-cased), and none of whose
 * ancestors contradicts the address (a region or country the address names must be the
 * ancestor's). Deepest wins; then the one agreeing with more of the address; then the smallest
 * code, so the choice is deterministic. Null when nothing matches.
 */
export async function territoryOfAddress(tenantId: string, address: Pick<AddressDoc, 'city' | 'region' | 'country'> | null): Promise<string | null> {
  if (!address) return null;
  const parts = { city: addressKeys(address.city), region: addressKeys(address.region), country: addressKeys(address.country) };
  const given = Object.values(parts).filter((part) => part !== null);
  if (given.length === 0) return null;
  // Two index-served equalities ({tenantId, code} and {tenantId, nameKey}), each bounded.
  const [byCode, byName] = await Promise.all([
    TerritoryModel.find({ tenantId, code: { $in: given.map((part) => part.code) } }).limit(50).lean<TerritoryDoc[]>().exec(),
    TerritoryModel.find({ tenantId, nameKey: { $in: [...new Set(given.map((part) => part.nameKey))] } }).limit(200).lean<TerritoryDoc[]>().exec(),
  ]);
  const candidates = [...new Map([...byCode, ...byName].map((territory) => [territory._id.toString(), territory])).values()].filter((territory) =>
    matches(territory, parts[PART_OF[territory.kind]]),
  );
  if (candidates.length === 0) return null;
  const ancestorIds = [...new Set(candidates.flatMap((territory) => territory.ancestorIds))];
  const ancestors = ancestorIds.length ? await TerritoryModel.find({ tenantId, _id: { $in: ancestorIds } }).lean<TerritoryDoc[]>().exec() : [];
  const byId = new Map(ancestors.map((territory) => [territory._id.toString(), territory]));
  const ranked = candidates.flatMap((territory) => {
    let agreeing = 1;
    for (const id of territory.ancestorIds) {
      const ancestor = byId.get(id);
      const keys = ancestor ? parts[PART_OF[ancestor.kind]] : null;
      if (!ancestor || keys === null) continue;
      if (!matches(ancestor, keys)) return [];
      agreeing += 1;
    }
    return [{ territory, agreeing }];
  });
  ranked.sort((a, b) => DEPTH[b.territory.kind] - DEPTH[a.territory.kind] || b.agreeing - a.agreeing || a.territory.code.localeCompare(b.territory.code));
  return ranked[0]?.territory._id.toString() ?? null;
}

/** A territory with the ones it lies in (itself first, then its region and country): what a rule on a region matches. */
export async function territoryAndAncestors(tenantId: string, territoryId: string | null): Promise<string[]> {
  if (!territoryId || !isId(territoryId)) return territoryId ? [territoryId] : [];
  const territory = await TerritoryModel.findOne({ _id: territoryId, tenantId }, { ancestorIds: 1 }).lean<Pick<TerritoryDoc, 'ancestorIds'>>().exec();
  return [territoryId, ...[...(territory?.ancestorIds ?? [])].reverse()];
}
