import {
  ActivityCompleted,
  ActivityCreated,
  ActivityUpdated,
  CompaniesMerged,
  CompanyCreated,
  ContactCreated,
  ContactsMerged,
  DealCreated,
  DealLost,
  DealReopened,
  DealStageChanged,
  DealUpdated,
  DealWon,
  LeadConverted,
  type Envelope,
} from '@crm/events';
import { on, onBatch } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import {
  activityCompletedContent,
  activityCreatedContent,
  companyCreatedContent,
  contactAddedContent,
  contactCreatedContent,
  dealCreatedContent,
  dealLostContent,
  dealReopenedContent,
  dealStageChangedContent,
  dealWonContent,
  leadConvertedContent,
  linesOf,
  mergedContent,
  type TimelineContent,
  type TimelineSubject,
} from './timeline.entries';
import { insertLines, registerDeal, rescopeLines, writeDealLines, writeLines } from './timeline.writer';

export const TIMELINE_GROUP = 'contacts.timeline';

/** An activity is filed under its deal's company (and contacts) and under its own company, if it names one. */
async function writeActivityLines(event: Envelope<unknown>, activity: { dealId?: string | null; companyId?: string | null }, content: TimelineContent) {
  const company: TimelineSubject[] = activity.companyId ? [{ entity: 'Company', id: activity.companyId }] : [];
  if (activity.dealId) await writeDealLines(event, activity.dealId, content, company);
  else await writeLines(event, content, company);
}

/** The lines of the service's own creations and merges: nothing to read first. */
function ownLines(event: Envelope<any>) {
  const { data } = event;
  switch (event.type) {
    case CompanyCreated.type:
      return linesOf(event, companyCreatedContent(data), [{ entity: 'Company', id: data.companyId }]);
    case ContactCreated.type:
      return [
        ...linesOf(event, contactCreatedContent(data), [{ entity: 'Contact', id: data.contactId }]),
        ...(data.companyId ? linesOf(event, contactAddedContent(data), [{ entity: 'Company', id: data.companyId }]) : []),
      ];
    case CompaniesMerged.type:
      return linesOf(event, mergedContent('company', data.mergedIds), [{ entity: 'Company', id: data.primaryId }]);
    default:
      return linesOf(event, mergedContent('contact', data.mergedIds), [{ entity: 'Contact', id: data.primaryId }]);
  }
}
/** One insert for the events' lines (a fetched batch, or one event). */
const writeOwnLines = (events: readonly Envelope<any>[]) => insertLines(events.flatMap(ownLines));
const writeOwnLine = (_data: unknown, event: Envelope<any>) => writeOwnLines([event]);

/**
 * Learns the timeline's lines from events: the contacts service's own (creation, merges) and the
 * deals and activities services' (what they did for a company or a person). Field changes are
 * not written here: the history writer records them in `field_changes`, which the timeline reads
 * beside these lines. Every write is an insert by a deterministic id, so replays add nothing.
 */
export const timelineConsumer: ConsumerSpec = {
  groupId: TIMELINE_GROUP,
  // Inserts by deterministic ids: an event that comes again adds nothing (no look-up of processed records first).
  idempotent: true,
  handlers: [
    on(CompanyCreated, writeOwnLine),
    on(ContactCreated, writeOwnLine),
    on(CompaniesMerged, writeOwnLine),
    on(ContactsMerged, writeOwnLine),
    // The deal is registered first (copying any line it already has), then its creation goes on all its records at once.
    on(DealCreated, async (data, event) => {
      const deal = { _id: data.dealId, companyId: data.companyId, contactIds: (data.contacts ?? []).map((contact) => contact.contactId), title: data.title };
      await registerDeal(event, deal);
      await writeDealLines(event, data.dealId, dealCreatedContent(data), [], deal);
    }),
    on(DealStageChanged, (data, event) => writeDealLines(event, data.dealId, dealStageChangedContent(data))),
    on(DealWon, (data, event) => writeDealLines(event, data.dealId, dealWonContent(data))),
    on(DealLost, (data, event) => writeDealLines(event, data.dealId, dealLostContent(data))),
    on(DealReopened, (data, event) => writeDealLines(event, data.dealId, dealReopenedContent(data))),
    // Every line of a deal or an activity shows to who may read it: its current owner or assignee.
    on(DealUpdated, async (data, event) => {
      if (data.changes.some(({ field }) => field === 'ownerId')) await rescopeLines(event.tenantId, 'deal', data.dealId, data.ownerId);
    }),
    on(ActivityCreated, (data, event) => writeActivityLines(event, data, activityCreatedContent(data))),
    on(ActivityCompleted, (data, event) => writeActivityLines(event, data, activityCompletedContent(data))),
    on(ActivityUpdated, async (data, event) => {
      if (data.changes.some(({ field }) => field === 'assigneeId')) await rescopeLines(event.tenantId, 'activity', data.activityId, data.assigneeId);
    }),
    on(LeadConverted, (data, event) =>
      writeLines(event, leadConvertedContent(data), [
        { entity: 'Company', id: data.companyId },
        { entity: 'Contact', id: data.contactId },
      ]),
    ),
  ],
  // The service's own creations and merges (an import brings thousands): one insert per fetched batch.
  batch: onBatch([CompanyCreated, ContactCreated, CompaniesMerged, ContactsMerged], writeOwnLines),
};
