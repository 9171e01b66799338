import DataLoader from 'dataloader';
import { Types } from 'mongoose';
import { CompanyReferenceModel, type CompanyReferenceDoc, type CompanyReferenceStatus } from './company-reference.model';
import { KnownCompanyModel, type KnownCompanyDoc } from './known-company.model';

/** The company module's per-request loaders, for the caller's tenant. */
export function companyLoaders(tenantId: string) {
  return {
    knownCompanyById: new DataLoader<string, KnownCompanyDoc | null>(async (ids) => {
      const rows = await KnownCompanyModel.find({ tenantId, _id: { $in: [...new Set(ids)] } }).lean<KnownCompanyDoc[]>();
      return ids.map((id) => rows.find((row) => row._id === id) ?? null);
    }),
    /** A deal without a reference record was created for a known company: VERIFIED. */
    companyReferenceByDeal: new DataLoader<string, CompanyReferenceStatus>(async (dealIds) => {
      const ids = [...new Set(dealIds)].map((id) => new Types.ObjectId(id));
      const rows = await CompanyReferenceModel.find({ tenantId, _id: { $in: ids } }, { status: 1 }).lean<Pick<CompanyReferenceDoc, '_id' | 'status'>[]>();
      const byId = new Map(rows.map((row) => [row._id.toString(), row.status]));
      return dealIds.map((id) => byId.get(id) ?? 'VERIFIED');
    }),
  };
}
