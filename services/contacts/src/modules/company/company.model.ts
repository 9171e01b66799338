import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import type { Connection } from '@crm/service-kit';
import { model, Schema, type Types } from 'mongoose';

export interface CompanyDoc extends HasOutbox {
  _id: Types.ObjectId;
  tenantId: string;
  name: string;
  website?: string | null;
  domain?: string | null;
  industry?: string | null;
  taxId?: string | null;
  ownerId?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<CompanyDoc>(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    website: String,
    domain: String,
    industry: String,
    taxId: String,
    ownerId: String,
  },
  { timestamps: true, versionKey: false, collection: 'companies' },
);
// Every index starts with tenantId: no query ever crosses tenants.
schema.plugin(outboxPlugin);
schema.index({ tenantId: 1, _id: -1 });
schema.index({ tenantId: 1, domain: 1 });
schema.index({ tenantId: 1, taxId: 1 });

export const CompanyModel = model<CompanyDoc>('Company', schema);

export type CompanyConnectionView = Connection<CompanyDoc>;
