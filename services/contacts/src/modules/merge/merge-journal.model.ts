import { model, Schema } from 'mongoose';
import type { MatchEntity } from '../duplicate/match-keys';

/**
 * One merge as it runs: written before its first step, marked done after its last. Every step is
 * idempotent, so a merge interrupted by a crash is run again from the start, on the next call
 * with the same ids or when the service starts (resumeMerges): the journal is what finds it.
 */
export interface MergeJournalDoc {
  /** `<tenant>|<entity>|<primaryId>|<merged ids, sorted, comma-separated>`. */
  _id: string;
  tenantId: string;
  entity: MatchEntity;
  primaryId: string;
  mergedIds: string[];
  /** Who asked, for the events of a resumed merge. */
  actorId?: string | null;
  correlationId?: string | null;
  /** True until every step is done. */
  pending: boolean;
  startedAt: Date;
  finishedAt?: Date | null;
}

const schema = new Schema<MergeJournalDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    entity: { type: String, required: true },
    primaryId: { type: String, required: true },
    mergedIds: { type: [String], required: true },
    actorId: String,
    correlationId: String,
    pending: { type: Boolean, required: true },
    startedAt: { type: Date, required: true },
    finishedAt: Date,
  },
  { versionKey: false, collection: 'merges' },
);
// Resuming at start-up serves every tenant at once, as the outbox relay does: an equality on an
// indexed flag is the one index not led by tenantId here (see @crm/messaging outbox.ts).
schema.index({ pending: 1 });

export const mergeJournalId = (tenantId: string, entity: MatchEntity, primaryId: string, mergedIds: string[]) =>
  `${tenantId}|${entity}|${primaryId}|${[...mergedIds].sort().join(',')}`;

export const MergeJournalModel = model<MergeJournalDoc>('MergeJournal', schema);
