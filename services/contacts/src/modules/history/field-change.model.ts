import { model, Schema } from 'mongoose';

/**
 * One recorded change of one field of a company or contact person: who, when, old → new.
 * Derived from the contacts service's own events (CompanyUpdated, ContactUpdated, CompanyAssigned,
 * merges...), which every update writes atomically with the record through its outbox: so no
 * change is ever lost to a crash between two writes. The id is `<event id>:<index of the change>`:
 * applying an event again writes nothing new. Read newest first by the timeline.
 */
export interface FieldChangeDoc {
  _id: string;
  tenantId: string;
  entity: 'Company' | 'Contact';
  entityId: string;
  /** The field's API name, for instance `industry`, `profile.solvency` or `customFields.vatGroup`. */
  field: string;
  from: unknown;
  to: unknown;
  /** The user who made the change, or the service for changes applied from events (e.g. `analytics`). */
  actorId: string;
  /** Why, when it was not a plain edit: MERGE, SEGMENT_ASSIGNMENT, IMPORT, ANALYTICS. */
  reason?: string | null;
  at: Date;
}

const schema = new Schema<FieldChangeDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    entity: { type: String, required: true },
    entityId: { type: String, required: true },
    field: { type: String, required: true },
    from: Schema.Types.Mixed,
    to: Schema.Types.Mixed,
    actorId: { type: String, required: true },
    reason: String,
    at: { type: Date, required: true },
  },
  { versionKey: false, collection: 'field_changes' },
);
// A record's changes newest first.
schema.index({ tenantId: 1, entity: 1, entityId: 1, at: -1 });

export const FieldChangeModel = model<FieldChangeDoc>('FieldChange', schema);
