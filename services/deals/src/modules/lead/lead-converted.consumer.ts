import { LeadConverted } from '@crm/events';
import { insertWithEvents, isDuplicateKey, on, PermanentEventError } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { Types } from 'mongoose';
import { recordPendingReference } from '../company/company-references';
import { currentCompanyId } from '../company/known-companies';
import { KnownCompanyModel, type KnownCompanyDoc } from '../company/known-company.model';
import { dealCreated } from '../deal/deal.events';
import { settleNewDeal } from '../deal/deal.entry';
import { DealModel, type DealDoc } from '../deal/deal.model';
import { entryStage, PipelineModel, type PipelineDoc } from '../pipeline/pipeline.model';
import { pipelineVersionOf } from '../pipeline/pipeline.events';
import { stageRaceSeams } from '../pipeline/stage-lock';

/**
 * The deal of a converted lead (contacts' conversion saga, last step): created with the id the
 * event names (derived from the lead id), so a redelivered or repeated LeadConverted finds it
 * there and does nothing. Everything is checked in the event's tenant: a deal id, pipeline or
 * company of another tenant is refused (dead-letter topic with the reason), never written.
 */
export const leadConversionConsumer: ConsumerSpec = {
  groupId: 'deals.lead-conversions',
  handlers: [
    on(LeadConverted, async (data, event) => {
      if (!data.dealId || !data.deal) return;
      const tenantId = event.tenantId;
      // The stage check after the insert (deal.entry.ts) is the converting user's, as the event's.
      const cause = { ...event, userId: data.convertedBy };
      const existing = await DealModel.findOne({ _id: data.dealId }).lean<DealDoc>().exec();
      if (existing) {
        if (existing.tenantId !== tenantId) throw new PermanentEventError(`deal ${data.dealId} belongs to another tenant`);
        // Made by an earlier delivery, which may have stopped before its stage check: done now, while it never moved.
        if (existing.stageHistory.length <= 1) await settleNewDeal(existing, cause);
        return;
      }
      const pipeline = await PipelineModel.findOne({ _id: data.deal.pipelineId, tenantId }).lean<PipelineDoc>().exec();
      if (!pipeline) throw new PermanentEventError(`pipeline ${data.deal.pipelineId} is not a pipeline of tenant ${tenantId}`);
      const firstStage = entryStage(pipeline);
      if (!firstStage) throw new PermanentEventError(`pipeline ${data.deal.pipelineId} has no stage to start in`);
      const known = await KnownCompanyModel.findOne({ _id: data.companyId }).lean<KnownCompanyDoc>().exec();
      if (known && known.tenantId !== tenantId) throw new PermanentEventError(`company ${data.companyId} belongs to another tenant`);
      // The company's CompanyCreated may come after this event (another topic): its id is kept as
      // it is until then, and the deal is PENDING as a createDeal's would be (no waiting here).
      const dealId = new Types.ObjectId(data.dealId);
      const companyId = known ? await currentCompanyId(tenantId, data.companyId) : data.companyId;
      if (!known) await recordPendingReference(tenantId, companyId, dealId);
      const now = new Date();
      const deal = {
        _id: dealId,
        tenantId,
        title: data.deal.title,
        companyId,
        pipelineId: pipeline._id,
        stageId: firstStage._id,
        amount: data.deal.amount,
        currency: data.deal.currency,
        status: 'OPEN',
        ownerId: data.deal.ownerId,
        teamId: data.deal.teamId,
        territoryId: null,
        contacts: [{ contactId: data.contactId, role: null }],
        lineItems: [],
        expectedCloseDate: null,
        source: data.deal.source,
        customFields: {},
        stageEnteredAt: now,
        stageHistory: [{ fromStageId: null, toStageId: firstStage._id, movedBy: data.convertedBy, movedAt: now }],
      };
      await stageRaceSeams.beforeEntryWrite?.({ path: 'conversion', dealId: data.dealId, stageId: firstStage._id.toString() });
      let created: DealDoc;
      try {
        created = await insertWithEvents(DealModel, deal, (inserted) => dealCreated(inserted, firstStage, event, pipelineVersionOf(pipeline)));
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        return; // a concurrent delivery made it (and checks its stage)
      }
      await settleNewDeal(created, cause);
    }),
  ],
};
