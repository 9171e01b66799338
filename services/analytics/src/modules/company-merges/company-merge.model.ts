import { model, Schema } from 'mongoose';

/**
 * A company merged into another (`CompaniesMerged` of contacts): `_id` = `<tenant>:<merged id>`.
 * Read models keyed by company keep what they hold under the merged id (revenue counters, payment
 * facts); figures per company read them under the primary (company-merges.ts).
 */
export interface CompanyMergeDoc {
  _id: string;
  tenantId: string;
  mergedId: string;
  primaryId: string;
  mergedAt: Date;
}

const schema = new Schema<CompanyMergeDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    mergedId: { type: String, required: true },
    primaryId: { type: String, required: true },
    mergedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'company_merges' },
);

// The companies merged into some (`idsMergedInto`): by the primary.
schema.index({ tenantId: 1, primaryId: 1 });

export const CompanyMergeModel = model<CompanyMergeDoc>('CompanyMerge', schema);
export const mergeId = (tenantId: string, mergedId: string) => `${tenantId}:${mergedId}`;
