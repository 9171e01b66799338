import { LeadReceived } from '@crm/events';
import { on, PermanentEventError } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { GraphQLError } from 'graphql';
import { takeInLead } from './lead.write';

/**
 * Leads published by web forms and other systems (crm.leads.lead): validated by the catalogue at
 * the consume edge, taken in for the envelope's tenant, idempotent by (source, externalId) so a
 * redelivery is the same lead. Input the lead rules refuse (a bad phone number, say) can never
 * succeed: it goes to the dead-letter topic with the reason.
 */
export const inboundLeadsConsumer: ConsumerSpec = {
  groupId: 'contacts.inbound-leads',
  handlers: [
    on(LeadReceived, async (data, event) => {
      try {
        await takeInLead(event, data, `inbound:${event.source}`);
      } catch (error) {
        if (error instanceof GraphQLError && error.extensions.code === 'BAD_USER_INPUT') throw new PermanentEventError(error.message);
        throw error;
      }
    }),
  ],
};
