import { model, Schema, type Types } from 'mongoose';

/**
 * VERIFIED: deals knows the company in the deal's tenant. PENDING: the deal was accepted before
 * the company's CompanyCreated reached deals (read your own writes); it is verified when the
 * event arrives. MISSING: the deadline passed without it: the deal is flagged.
 */
export type CompanyReferenceStatus = 'VERIFIED' | 'PENDING' | 'MISSING';

/**
 * A deal whose company was not yet known when it was created (one per such deal, id = the
 * deal's id). Deals created for a known company have none: no record means VERIFIED. Written
 * before the deal itself, so a deal is never stored unverified without its record.
 */
export interface CompanyReferenceDoc {
  _id: Types.ObjectId;
  tenantId: string;
  companyId: string;
  status: CompanyReferenceStatus;
  /** When a PENDING reference becomes MISSING. */
  deadline: Date;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<CompanyReferenceDoc>(
  {
    tenantId: { type: String, required: true },
    companyId: { type: String, required: true },
    status: { type: String, enum: ['VERIFIED', 'PENDING', 'MISSING'], required: true },
    deadline: { type: Date, required: true },
  },
  { timestamps: true, versionKey: false, collection: 'company_references' },
);
// A company's arrival verifies its deals' references.
schema.index({ tenantId: 1, _id: 1 });
schema.index({ tenantId: 1, companyId: 1 });
// The sweep finds PENDING ones for every tenant (like the relay's outboxPending, not led by
// tenantId: it serves all tenants; few references are ever pending at once).
schema.index({ status: 1 });

export const CompanyReferenceModel = model<CompanyReferenceDoc>('CompanyReference', schema);
