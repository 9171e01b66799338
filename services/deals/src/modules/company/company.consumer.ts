import { CompaniesMerged, CompanyCompletenessChanged, CompanyCreated, CompanyRiskFlagsChanged, CompanyUpdated, type Envelope } from '@crm/events';
import { on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { ConcessionModel } from '../concession/concession.model';
import { DealModel } from '../deal/deal.model';
import { PurchaseModel } from '../purchase/purchase.model';
import { companyArrived } from './company-arrivals';
import { CompanyReferenceModel } from './company-reference.model';
import { verifyReferences } from './company-references';
import { ensureKnownCompany, setPartIfNewer } from './known-companies';
import { KnownCompanyModel } from './known-company.model';

/**
 * Any event of a company proves it exists in the event's tenant: the record is made on the
 * first one (`created`), and deals accepted before it arrived (read your own writes) are then
 * verified. A reference recorded after that first event (a createDeal that looked just before
 * it) is verified by the sweep (company-references.ts).
 */
async function learned(event: Envelope<unknown>, companyId: string, created: boolean): Promise<void> {
  if (created) await verifyReferences(event.tenantId, companyId);
  companyArrived(event.tenantId, companyId);
}

const at = (event: Envelope<unknown>) => new Date(event.occurredAt);

/**
 * The known-company replica: name, completeness, risk flags and merges, per tenant. Every
 * handler is idempotent (upserts by company id, parts replaced only by newer events), so
 * replays and events out of order leave the newest state.
 */
export const companyConsumer: ConsumerSpec = {
  groupId: 'deals.known-companies',
  // Upserts by id and parts guarded by their clocks: no look-up of processed records first.
  idempotent: true,
  handlers: [
    on(CompanyCreated, async ({ companyId, name }, event) => {
      await learned(event, companyId, await setPartIfNewer(event.tenantId, companyId, 'nameAt', at(event), { name }));
    }),
    on(CompanyUpdated, async ({ companyId, name }, event) => {
      await learned(event, companyId, await setPartIfNewer(event.tenantId, companyId, 'nameAt', at(event), { name }));
    }),
    on(CompanyCompletenessChanged, async ({ companyId, percent, missing }, event) => {
      await learned(event, companyId, await setPartIfNewer(event.tenantId, companyId, 'completenessAt', at(event), { completenessPercent: percent, completenessMissing: missing }));
    }),
    on(CompanyRiskFlagsChanged, async ({ companyId, riskFlags }, event) => {
      await learned(event, companyId, await setPartIfNewer(event.tenantId, companyId, 'riskFlagsAt', at(event), { riskFlags }));
    }),
    // The merged companies are gone: what referred to them now refers to the primary. A replay
    // finds nothing left to repoint. Deals, concessions and purchases are repointed in place
    // (no event: every reader of the merge repoints its own records from CompaniesMerged).
    on(CompaniesMerged, async ({ primaryId, mergedIds }, event) => {
      const { tenantId } = event;
      const merged = mergedIds.filter((id) => id !== primaryId);
      await learned(event, primaryId, await ensureKnownCompany(tenantId, primaryId));
      for (const id of merged) {
        await ensureKnownCompany(tenantId, id);
        await KnownCompanyModel.updateOne({ _id: id, tenantId }, { $set: { mergedInto: primaryId } });
      }
      const repoint = [{ tenantId, companyId: { $in: merged } }, { $set: { companyId: primaryId } }] as const;
      await DealModel.updateMany(...repoint);
      await ConcessionModel.updateMany(...repoint);
      await PurchaseModel.updateMany(...repoint);
      await CompanyReferenceModel.updateMany(...repoint);
      await verifyReferences(tenantId, primaryId);
    }),
  ],
};
