import { model, Schema } from 'mongoose';

/** A company as analytics knows it from the contacts events (`_id` = the company id). */
export interface CompanyFactDoc {
  _id: string;
  tenantId: string;
  /** A copy for sorting ties by name; the contacts subgraph resolves the name shown. */
  name: string;
  industry: string | null;
  ownerId: string | null;
  teamId: string | null;
  territoryId: string | null;
  /** Ordering guard: older events change nothing. */
  lastEventAt: Date;
}

const schema = new Schema<CompanyFactDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    industry: { type: String, default: null },
    ownerId: { type: String, default: null },
    teamId: { type: String, default: null },
    territoryId: { type: String, default: null },
    lastEventAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'company_facts' },
);
// Events and lookups go by _id (with tenantId in the filter); lists of a tenant's companies by name.
schema.index({ tenantId: 1, name: 1 });

export const CompanyFactModel = model<CompanyFactDoc>('CompanyFact', schema);
