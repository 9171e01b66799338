import { CompanyMergeModel, mergeId, type CompanyMergeDoc } from './company-merge.model';

/** Merges followed from one id to its last primary: A into B, then B into C, is C. */
const MAX_HOPS = 20;
/** Ids per $in. */
const CHUNK = 1000;

/**
 * Records that `mergedIds` were merged into `primaryId`. One upsert per merged id, by key: a
 * redelivery writes the same. Merges are kept as they come; chains (A into B, then B into C) are
 * followed when read, so the order in which two merges arrive does not matter (they are keyed by
 * their primaries, so two merges may sit in two partitions).
 */
export async function recordMerge(tenantId: string, primaryId: string, mergedIds: readonly string[], at: Date): Promise<void> {
  await CompanyMergeModel.bulkWrite(
    mergedIds
      .filter((mergedId) => mergedId !== primaryId)
      .map((mergedId) => ({
        updateOne: {
          filter: { _id: mergeId(tenantId, mergedId), tenantId },
          update: { $set: { mergedId, primaryId, mergedAt: at } },
          upsert: true,
        },
      })),
    { ordered: false },
  );
}

/**
 * The company each of `companyIds` now is: itself, or the primary it was merged into (followed
 * through later merges). Reads the merges of these ids by key, hop by hop: one query per hop and
 * chunk, none when nothing was merged.
 */
export async function currentCompanies(tenantId: string, companyIds: readonly string[]): Promise<Map<string, string>> {
  const primaryOf = new Map<string, string>();
  let asked = [...new Set(companyIds)];
  for (let hop = 0; hop < MAX_HOPS && asked.length > 0; hop += 1) {
    const found: Pick<CompanyMergeDoc, 'mergedId' | 'primaryId'>[] = [];
    for (let i = 0; i < asked.length; i += CHUNK) {
      const keys = asked.slice(i, i + CHUNK).map((id) => mergeId(tenantId, id));
      found.push(...(await CompanyMergeModel.find({ _id: { $in: keys }, tenantId }, { mergedId: 1, primaryId: 1 }).lean()));
    }
    for (const { mergedId, primaryId } of found) primaryOf.set(mergedId, primaryId);
    asked = [...new Set(found.map(({ primaryId }) => primaryId))].filter((id) => !primaryOf.has(id));
  }
  const current = new Map<string, string>();
  for (const companyId of new Set(companyIds)) {
    let id = companyId;
    // A cycle cannot come from contacts (a merged company no longer exists); the hops bound it all the same.
    for (let hop = 0; hop < MAX_HOPS && primaryOf.has(id); hop += 1) id = primaryOf.get(id)!;
    current.set(companyId, id);
  }
  return current;
}

/**
 * `companyIds` and every id merged into one of them, through chains (B into A, C into B): the ids
 * under which records of these companies may still be kept. By the primary, hop by hop; at most
 * `max` ids in all.
 */
export async function idsMergedInto(tenantId: string, companyIds: readonly string[], max: number): Promise<string[]> {
  const all = new Set(companyIds);
  let asked = [...all];
  for (let hop = 0; hop < MAX_HOPS && asked.length > 0 && all.size < max; hop += 1) {
    const found: Pick<CompanyMergeDoc, 'mergedId'>[] = [];
    for (let i = 0; i < asked.length; i += CHUNK) {
      found.push(...(await CompanyMergeModel.find({ tenantId, primaryId: { $in: asked.slice(i, i + CHUNK) } }, { mergedId: 1 }).limit(max).lean()));
    }
    asked = found.map(({ mergedId }) => mergedId).filter((id) => !all.has(id));
    for (const id of asked) all.add(id);
  }
  return [...all].slice(0, max);
}
