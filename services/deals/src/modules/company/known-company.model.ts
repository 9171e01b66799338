import { model, Schema } from 'mongoose';

/**
 * The companies this service knows of, kept from the contacts service's company events: deals
 * never read the contacts database, yet refuse a deal for an unknown company and gate
 * concessions on the profile's completeness and risk. Each part carries the `occurredAt` of
 * the event that set it (`*At`, the epoch until one did), and is only replaced by an event at
 * least as new, so a replayed or late event never overwrites a newer state. Null and empty
 * parts may be absent from the stored document (FerretDB's upsert leaves out null and [] of
 * $setOnInsert): read them with a default.
 */
export interface KnownCompanyDoc {
  _id: string;
  tenantId: string;
  /** Null until an event naming it arrived (a completeness change may come first on a replay). */
  name?: string | null;
  nameAt: Date;
  completenessPercent?: number | null;
  /** API names of the required fields still empty. */
  completenessMissing?: string[];
  completenessAt: Date;
  riskFlags?: string[];
  riskFlagsAt: Date;
  /**
   * The company's owner (CompanyCreated, CompanyAssigned, or a CompanyUpdated clearing it): the
   * row scope of what deals shows of the company itself (its purchases). Null: no owner.
   * Records kept before owners were have no `ownerAt`: the next owner event sets it.
   */
  ownerId?: string | null;
  ownerAt?: Date;
  /** Set once the company was merged into another: references to it now mean that one. */
  mergedInto?: string | null;
}

const schema = new Schema<KnownCompanyDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    name: { type: String, default: null },
    nameAt: { type: Date, required: true },
    completenessPercent: { type: Number, default: null },
    completenessMissing: { type: [String], default: [] },
    completenessAt: { type: Date, required: true },
    riskFlags: { type: [String], default: [] },
    riskFlagsAt: { type: Date, required: true },
    ownerId: { type: String, default: null },
    ownerAt: { type: Date },
    mergedInto: { type: String, default: null },
  },
  { versionKey: false, collection: 'known_companies' },
);
schema.index({ tenantId: 1, _id: 1 });

export const KnownCompanyModel = model<KnownCompanyDoc>('KnownCompany', schema);
