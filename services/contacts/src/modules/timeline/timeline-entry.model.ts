import { model, Schema } from 'mongoose';

/** What happened: the record's own creation and merges, a contact added, deals and activities. */
export const timelineKinds = [
  'CREATED',
  'MERGED',
  'CONTACT_ADDED',
  'DEAL_CREATED',
  'DEAL_STAGE_CHANGED',
  'DEAL_WON',
  'DEAL_LOST',
  'DEAL_REOPENED',
  'ACTIVITY_CREATED',
  'ACTIVITY_COMPLETED',
  'LEAD_CONVERTED',
] as const;
export type TimelineKind = (typeof timelineKinds)[number];

/** The records a timeline belongs to. `Deal` holds a deal's entries until its company is known. */
export type TimelineEntity = 'Company' | 'Contact' | 'Deal';

/** The objects whose read right gates a line: a deal's or an activity's line shows only to who may read the deal or activity. */
export type LineScopeObject = 'deal' | 'activity';

/** A snapshot of what the entry says, as it was then (the entity itself is resolved live). */
export interface TimelineDetails {
  /** The record's name (CREATED, CONTACT_ADDED), a deal's title, an activity's subject. */
  title?: string | null;
  fromStage?: string | null;
  toStage?: string | null;
  /** An activity's kind (CALL, MEETING...) or a deal's status after the event. */
  type?: string | null;
  status?: string | null;
  reason?: string | null;
  /** MERGED: the ids merged into this record. */
  mergedIds?: string[];
  /** The summary for a reader denied deal amounts (Deal.amount), when the summary names one. */
  summaryWithoutAmount?: string | null;
}

/**
 * One line of a company's or contact's timeline, learnt from an event (the contacts service's own,
 * or deals' and activities'). Field changes are not here: they are in `field_changes` (modules/history),
 * and the timeline merges both. One event gives one line per record it concerns, with the id
 * `<event id>:<entity>:<entity id>`, so applying an event again writes nothing new.
 */
export interface TimelineEntryDoc {
  _id: string;
  tenantId: string;
  entity: TimelineEntity;
  entityId: string;
  kind: TimelineKind;
  at: Date;
  /** The user who did it (the event's actor), when there is one. */
  actorId?: string | null;
  summary: string;
  /** The entity the line is about, resolved by its own subgraph (Deal, Activity) or here (Contact). */
  ref?: { typename: 'Deal' | 'Activity' | 'Contact' | 'Company' | 'Lead'; id: string } | null;
  details: TimelineDetails;
  eventId: string;
  /**
   * The record whose read right gates the line, and its owner (a deal's owner, an activity's
   * assignee), kept current when it changes: lists filter on them in the store. Null for lines
   * every reader of the timeline's record may see.
   */
  scopeObject?: LineScopeObject | null;
  scopeId?: string | null;
  scopeOwnerId?: string | null;
}

const schema = new Schema<TimelineEntryDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    entity: { type: String, required: true },
    entityId: { type: String, required: true },
    kind: { type: String, enum: timelineKinds, required: true },
    at: { type: Date, required: true },
    actorId: { type: String, default: null },
    summary: { type: String, required: true },
    ref: { type: new Schema({ typename: { type: String, required: true }, id: { type: String, required: true } }, { _id: false }), default: null },
    details: { type: Schema.Types.Mixed, default: () => ({}) },
    eventId: { type: String, required: true },
    scopeObject: { type: String, default: null },
    scopeId: { type: String, default: null },
    scopeOwnerId: { type: String, default: null },
  },
  { versionKey: false, collection: 'timeline_entries', minimize: false },
);
// A record's lines newest first, ties by id: the timeline's order, read up to a page straight from the index.
schema.index({ tenantId: 1, entity: 1, entityId: 1, at: -1, _id: -1 });

// A new owner of a deal or assignee of an activity is written on its lines.
schema.index({ tenantId: 1, scopeId: 1 });

export const TimelineEntryModel = model<TimelineEntryDoc>('TimelineEntry', schema);
