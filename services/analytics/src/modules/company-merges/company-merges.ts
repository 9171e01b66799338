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
  const writes = mergedIds
    .filter((mergedId) => mergedId !== primaryId)
    .map((mergedId) => ({
      updateOne: {
        filter: { _id: mergeId(tenantId, mergedId), tenantId },
        update: { $set: { mergedId, primaryId, mergedAt: at } },
        upsert: true,
      },
    }));
  // The driver refuses an empty bulk write: a merge naming only its primary records nothing.
  if (writes.length > 0) await CompanyMergeModel.bulkWrite(writes, { ordered: false });
}

/** The tenant's merges whose `field` is one of `values`, read by $in in chunks. */
async function mergesWhere(tenantId: string, field: '_id' | 'primaryId', values: readonly string[], limit?: number) {
  const found: Pick<CompanyMergeDoc, 'mergedId' | 'primaryId'>[] = [];
  for (let i = 0; i < values.length; i += CHUNK) {
    const query = CompanyMergeModel.find({ tenantId, [field]: { $in: values.slice(i, i + CHUNK) } }, { mergedId: 1, primaryId: 1 });
    found.push(...(await (limit ? query.limit(limit) : query).lean()));
  }
  return found;
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
    const found = await mergesWhere(
      tenantId,
      '_id',
      asked.map((id) => mergeId(tenantId, id)),
    );
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
    const found = await mergesWhere(tenantId, 'primaryId', asked, max);
    asked = found.map(({ mergedId }) => mergedId).filter((id) => !all.has(id));
    for (const id of asked) all.add(id);
  }
  return [...all].slice(0, max);
}
