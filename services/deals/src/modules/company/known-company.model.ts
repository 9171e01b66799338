import { model, Schema } from 'mongoose';

/**
 * The companies this service knows of, learnt from the contacts service's CompanyCreated
 * events: deals never read the contacts database, yet refuse a deal for an unknown company.
 */
export interface KnownCompanyDoc {
  _id: string;
  tenantId: string;
  name: string;
}

const schema = new Schema<KnownCompanyDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
  },
  { versionKey: false, collection: 'known_companies' },
);
schema.index({ tenantId: 1, _id: 1 });

export const KnownCompanyModel = model<KnownCompanyDoc>('KnownCompany', schema);
