import { CompaniesMerged, CompanyAssigned, CompanyCompletenessChanged, CompanyCreated, CompanyRiskFlagsChanged, CompanyUpdated, type Envelope } from '@crm/events';
import { on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { ConcessionModel } from '../concession/concession.model';
import { DealModel } from '../deal/deal.model';
import { PurchaseModel } from '../purchase/purchase.model';
import { companyArrived } from './company-arrivals';
import { CompanyReferenceModel } from './company-reference.model';
import { verifyReferences } from './company-references';
import { ensureKnownCompany, setPartIfNewer, type Part, type PartClock } from './known-companies';

const at = (event: Envelope<unknown>) => new Date(event.occurredAt);

/**
 * Any event of a company proves it exists in the event's tenant: its record is made on the first
 * one (with the event's part, when it brings one newer than the record's), and deals accepted
 * before it arrived (read your own writes) are then verified. A reference recorded after that
 * first event (a createDeal that looked just before it) is verified by the sweep
 * (company-references.ts).
 */
async function learn(event: Envelope<unknown>, companyId: string, clock?: PartClock, part?: Part): Promise<void> {
  const created = clock && part ? await setPartIfNewer(event.tenantId, companyId, clock, at(event), part) : await ensureKnownCompany(event.tenantId, companyId);
  if (created) await verifyReferences(event.tenantId, companyId);
  companyArrived(event.tenantId, companyId);
}

/**
 * The known-company replica: name, owner, completeness, risk flags and merges, per tenant.
 * Every handler is idempotent (upserts by company id, parts replaced only by events at least as
 * new), so replays and events out of order leave the newest state.
 */
export const companyConsumer: ConsumerSpec = {
  groupId: 'deals.known-companies',
  // Upserts by id and parts guarded by their clocks: no look-up of processed records first.
  idempotent: true,
  handlers: [
    on(CompanyCreated, async ({ companyId, name, ownerId }, event) => {
      await learn(event, companyId, 'nameAt', { name });
      await setPartIfNewer(event.tenantId, companyId, 'ownerAt', at(event), { ownerId: ownerId ?? null });
    }),
    on(CompanyUpdated, async ({ companyId, name, changes }, event) => {
      await learn(event, companyId, 'nameAt', { name });
      // A new owner also comes as CompanyAssigned; an owner cleared only comes here.
      const owner = changes.find((change) => change.field === 'ownerId');
      if (owner) await setPartIfNewer(event.tenantId, companyId, 'ownerAt', at(event), { ownerId: typeof owner.to === 'string' ? owner.to : null });
    }),
    on(CompanyAssigned, async ({ companyId, ownerId }, event) => {
      await learn(event, companyId, 'ownerAt', { ownerId });
    }),
    on(CompanyCompletenessChanged, async ({ companyId, percent, missing }, event) => {
      await learn(event, companyId, 'completenessAt', { completenessPercent: percent, completenessMissing: missing });
    }),
    on(CompanyRiskFlagsChanged, async ({ companyId, riskFlags }, event) => {
      await learn(event, companyId, 'riskFlagsAt', { riskFlags });
    }),
    // The merged companies are gone: what referred to them now refers to the primary. A replay
    // finds nothing left to repoint. Deals, concessions and purchases are repointed in place
    // (no event: every reader of the merge repoints its own records from CompaniesMerged).
    on(CompaniesMerged, async ({ primaryId, mergedIds }, event) => {
      const { tenantId } = event;
      const merged = mergedIds.filter((id) => id !== primaryId);
      await learn(event, primaryId);
      for (const id of merged) {
        await ensureKnownCompany(tenantId, id, { mergedInto: primaryId });
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
