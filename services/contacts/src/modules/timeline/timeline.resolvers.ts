import { deniedFields, isFieldDenied, readable, rowFilter, type HasAccess } from '@crm/policy';
import { forbidden, listSize } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import type { FieldChangeDoc } from '../history/field-change.model';
import type { LineScopeObject, TimelineEntryDoc, TimelineKind } from './timeline-entry.model';
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

/** The lines the reader may see: every line not about a deal or an activity, and those of the deals and activities in the reader's read scope. */
async function linesReadable(ctx: HasAccess): Promise<Record<string, unknown>> {
  const access = await ctx.access();
  const scoped = lineScopeObjects.flatMap((object) => {
    const filter = rowFilter(access, object, 'read', 'scopeOwnerId');
    return filter ? [{ scopeObject: object, ...filter }] : [];
  });
  return { $or: [{ scopeObject: null }, ...scoped] };
}
const lineScopeObjects: LineScopeObject[] = ['deal', 'activity'];

/** A field change's values, unless the reader is denied the field (`Company.potential`, `Company.profile.solvency`). */
const fieldDenied = async (change: FieldChangeDoc, ctx: HasAccess) => {
  const access = await ctx.access();
  return deniedFields(access, change.entity).some((path) => change.field === path || change.field.startsWith(`${path}.`));
};
const changedValue = (pick: (change: FieldChangeDoc) => unknown) => async (change: FieldChangeDoc, _args: unknown, ctx: HasAccess) => {
  if (await fieldDenied(change, ctx)) throw forbidden(`you may not read ${change.entity}.${change.field}`);
  return pick(change) ?? null;
};

export const timelineResolvers: Resolvers = {
  Company: {
    timeline: async (company, { first, after }, ctx) =>
      timelinePage(ctx.tenantId, 'Company', [company._id.toString(), ...company.mergedIds], listSize(first, TIMELINE), after, await linesReadable(ctx)),
  },
  Contact: {
    timeline: async (contact, { first, after }, ctx) =>
      timelinePage(ctx.tenantId, 'Contact', [contact._id.toString(), ...contact.mergedIds], listSize(first, TIMELINE), after, await linesReadable(ctx)),
  },
  TimelineEntry: {
    __resolveType: (node) => (isFieldChange(node) ? 'FieldChangeEntry' : typeOfKind[node.kind]),
  },
  FieldChangeEntry: {
    id: (change) => change._id,
    kind: () => 'FIELD_CHANGED',
    // A denied field's change is still shown to have happened, without its values.
    summary: async (change, _args, ctx) => ((await fieldDenied(change, ctx)) ? `${change.field} changed` : fieldChangeSummary(change)),
    from: changedValue((change) => change.from),
    to: changedValue((change) => change.to),
  },
  RecordEntry: {
    ...line,
    mergedIds: (entry) => entry.details.mergedIds ?? [],
  },
  ContactEntry: {
    ...line,
    contact: async (entry, _args, ctx) => readable(ctx, 'contact', await ctx.loaders.contactById.load(refId(entry) ?? '')),
    name: (entry) => entry.details.title ?? '',
  },
  DealEntry: {
    ...line,
    summary: async (entry, _args, ctx) =>
      entry.details.summaryWithoutAmount && isFieldDenied(await ctx.access(), 'Deal', 'amount') ? entry.details.summaryWithoutAmount : entry.summary,
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
