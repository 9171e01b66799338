import { listSize } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import type { FieldChangeDoc } from '../history/field-change.model';
import type { TimelineEntryDoc, TimelineKind } from './timeline-entry.model';
import { isFieldChange, TIMELINE, timelinePage } from './timeline.page';

/** An entity of another subgraph, named by its key only: the gateway fetches the rest from its owner. */
export interface EntityRef {
  id: string;
}

const typeOfKind: Record<TimelineKind, 'RecordEntry' | 'ContactEntry' | 'DealEntry' | 'ActivityEntry'> = {
  CREATED: 'RecordEntry',
  MERGED: 'RecordEntry',
  CONTACT_ADDED: 'ContactEntry',
  DEAL_CREATED: 'DealEntry',
  DEAL_STAGE_CHANGED: 'DealEntry',
  DEAL_WON: 'DealEntry',
  DEAL_LOST: 'DealEntry',
  DEAL_REOPENED: 'DealEntry',
  ACTIVITY_CREATED: 'ActivityEntry',
  ACTIVITY_COMPLETED: 'ActivityEntry',
  LEAD_CONVERTED: 'RecordEntry',
};

/** A value in a sentence: JSON, cut so that one huge value does not make the line huge. */
const shown = (value: unknown) => {
  if (value === null || value === undefined || value === '') return 'empty';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const fieldChangeSummary = (change: FieldChangeDoc) => `${change.field} changed from ${shown(change.from)} to ${shown(change.to)}`;

/** What every line learnt from an event shares. */
const line = {
  id: (entry: TimelineEntryDoc) => entry._id,
  kind: (entry: TimelineEntryDoc) => entry.kind,
};

const refId = (entry: TimelineEntryDoc) => entry.ref?.id;

export const timelineResolvers: Resolvers = {
  Company: {
    timeline: (company, { first, after }, ctx) =>
      timelinePage(ctx.tenantId, 'Company', [company._id.toString(), ...company.mergedIds], listSize(first, TIMELINE), after),
  },
  Contact: {
    timeline: (contact, { first, after }, ctx) =>
      timelinePage(ctx.tenantId, 'Contact', [contact._id.toString(), ...contact.mergedIds], listSize(first, TIMELINE), after),
  },
  TimelineEntry: {
    __resolveType: (node) => (isFieldChange(node) ? 'FieldChangeEntry' : typeOfKind[node.kind]),
  },
  FieldChangeEntry: {
    id: (change) => change._id,
    kind: () => 'FIELD_CHANGED',
    summary: fieldChangeSummary,
  },
  RecordEntry: {
    ...line,
    mergedIds: (entry) => entry.details.mergedIds ?? [],
  },
  ContactEntry: {
    ...line,
    contact: (entry, _args, ctx) => ctx.loaders.contactById.load(refId(entry) ?? ''),
    name: (entry) => entry.details.title ?? '',
  },
  DealEntry: {
    ...line,
    deal: (entry) => (refId(entry) ? { id: refId(entry)! } : null),
    title: (entry) => entry.details.title ?? '',
    fromStage: (entry) => entry.details.fromStage ?? null,
    toStage: (entry) => entry.details.toStage ?? null,
  },
  ActivityEntry: {
    ...line,
    activity: (entry) => (refId(entry) ? { id: refId(entry)! } : null),
    subject: (entry) => entry.details.title ?? '',
    activityKind: (entry) => entry.details.type ?? '',
    status: (entry) => entry.details.status ?? '',
  },
};
