import type { Logger } from '@crm/service-kit';
import { companyMerge } from './company-merge';
import { contactMerge } from './contact-merge';
import { MergeJournalModel, type MergeJournalDoc } from './merge-journal.model';
import { runMerge } from './run-merge';

/** Merges resumed per start: a crash leaves a handful open at most. */
const MAX_RESUMED = 100;

/** Finishes the merges a crash interrupted (the journal's open entries), as their second call would. */
export async function resumeMerges(logger: Logger): Promise<number> {
  const open = await MergeJournalModel.find({ pending: true }).limit(MAX_RESUMED).lean<MergeJournalDoc[]>();
  let resumed = 0;
  for (const merge of open) {
    const cause = { tenantId: merge.tenantId, userId: merge.actorId ?? undefined, correlationId: merge.correlationId ?? undefined, logger };
    const request = { ids: [merge.primaryId, ...merge.mergedIds], primaryId: merge.primaryId };
    try {
      await (merge.entity === 'Company' ? runMerge(companyMerge, cause, request) : runMerge(contactMerge, cause, request));
      resumed += 1;
    } catch (error) {
      logger.warn({ err: error, merge: merge._id }, 'could not resume a merge; the next start or call retries');
    }
  }
  return resumed;
}
