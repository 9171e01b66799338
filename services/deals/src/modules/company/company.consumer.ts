import { topics, type Envelope } from '@crm/events';
import { PermanentEventError } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { KnownCompanyModel } from './known-company.model';

export const companyConsumer: ConsumerSpec = {
  groupId: 'deals.known-companies',
  topics: [topics.company],
  handlers: {
    // An upsert by id: replaying the event changes nothing. A company id is global, so the
    // filter on tenantId keeps another tenant's event from ever overwriting this record.
    CompanyCreated: async (event: Envelope) => {
      const { companyId, name } = event.data as { companyId: string; name: string };
      await KnownCompanyModel.updateOne(
        { _id: companyId, tenantId: event.tenantId },
        { $set: { name }, $setOnInsert: { tenantId: event.tenantId } },
        { upsert: true },
      ).catch((error: { code?: number }) => {
        // The same id under another tenant: never overwrite it; park the event for a human.
        if (error.code === 11000) throw new PermanentEventError(`company ${companyId} belongs to another tenant`);
        throw error;
      });
    },
  },
};
