import { isDuplicateKey } from '@crm/messaging';
import { model, Schema } from 'mongoose';
import type { LeadDoc } from '../lead/lead.model';

/**
 * A tenant's fallback for the leads no routing rule assigns (none matches, or the matching rules'
 * teams have nobody active): after `afterMinutes` unassigned, such a lead goes to the lead of
 * `teamId` (or, without an active lead, its first active member), by the escalation worker. One
 * document per tenant (`_id` = tenant id); absent or `teamId` null: no fallback, such leads stay
 * unassigned (status NEW, listed by `leads(filter: { unassigned: true })`) for assignLead.
 *
 * Every setting with a team also brings in the tenant's **backlog**: the leads still unassigned
 * (NEW) that do not wait for it yet (taken in before a fallback was set, or whose wait ended while
 * there was none or its team had nobody active). The escalation worker walks them in `_id` order,
 * a batch per poll (`backlogPending`, `backlogCursor`), and sets their wait (fallbackDeadline).
 */
export interface RoutingFallbackDoc {
  _id: string;
  tenantId: string;
  teamId: string | null;
  afterMinutes: number;
  updatedBy: string;
  /** Counts the settings: a backlog walk and a lead's check after its insert belong to one (absent before the backlog existed). */
  revision?: number;
  /** When the setting with a team was saved: a lead taken in before it waits `afterMinutes` from then (null without a team). */
  since?: Date | null;
  /** The backlog of this setting is still being walked by the escalation worker. */
  backlogPending?: boolean;
  /** The last lead id the walk handled (null: from the start). */
  backlogCursor?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<RoutingFallbackDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    teamId: { type: String, default: null },
    afterMinutes: { type: Number, required: true },
    updatedBy: { type: String, required: true },
    revision: { type: Number, default: 0 },
    since: { type: Date, default: null },
    backlogPending: { type: Boolean, default: false },
    backlogCursor: { type: String, default: null },
  },
  { timestamps: true, versionKey: false, collection: 'routing_fallbacks', minimize: false },
);
// The escalation worker's look-up of the tenants whose backlog is still to be walked, oldest setting first.
schema.index({ backlogPending: 1, since: 1 });

export const RoutingFallbackModel = model<RoutingFallbackDoc>('RoutingFallback', schema);

/** The tenant's fallback, or null when none is set (read by `_id`). */
export const fallbackOf = (tenantId: string) => RoutingFallbackModel.findOne({ _id: tenantId }).lean<RoutingFallbackDoc>().exec();

/**
 * When an unassigned (NEW) lead goes to the fallback as set: `afterMinutes` after its intake, or
 * after the setting was saved (`since`) when that is later, so that people always get the whole
 * wait, from the moment the fallback is known, to assign it by hand (and a backlog is not handed
 * to one person at the next poll the moment a fallback is saved). A lead already waiting keeps
 * its deadline unless this one is earlier (a shortened wait applies from its setting on; a longer
 * one or another team never postpones a lead). Null: nothing to change (no fallback, or the lead
 * already waits as long or less).
 */
export function fallbackDeadline(
  lead: Pick<LeadDoc, 'createdAt' | 'slaState'> & { assignBy?: Date | null },
  fallback: Pick<RoutingFallbackDoc, 'teamId' | 'afterMinutes' | 'since'> | null,
): Date | null {
  if (!fallback?.teamId) return null;
  const from = fallback.since && fallback.since > lead.createdAt ? fallback.since : lead.createdAt;
  const due = new Date(from.getTime() + fallback.afterMinutes * 60_000);
  if (lead.slaState === 'UNASSIGNED' && lead.assignBy && lead.assignBy <= due) return null;
  return due;
}

/**
 * Sets the tenant's fallback as a whole (the last setting wins; nothing else depends on the one it
 * replaces). A setting with a team starts the walk of the tenant's backlog anew (from the first
 * lead, under this setting); one without stops it. The first setting of a tenant inserts the
 * document: two at once, one insert wins and the other writes over it on its retry.
 */
export async function setFallback(tenantId: string, fields: Pick<RoutingFallbackDoc, 'teamId' | 'afterMinutes' | 'updatedBy'>): Promise<RoutingFallbackDoc> {
  const backlog = { since: fields.teamId ? new Date() : null, backlogPending: Boolean(fields.teamId), backlogCursor: null };
  for (let attempt = 0; ; attempt += 1) {
    const updated = await RoutingFallbackModel.findOneAndUpdate({ _id: tenantId }, { $set: { ...fields, ...backlog }, $inc: { revision: 1 } }, { returnDocument: 'after' })
      .lean<RoutingFallbackDoc>()
      .exec();
    if (updated) return updated;
    try {
      // An insert rather than an upsert: FerretDB 1.24 drops nulls from an upsert's inserted fields.
      return (await RoutingFallbackModel.create({ _id: tenantId, tenantId, ...fields, ...backlog, revision: 1 })).toObject() as RoutingFallbackDoc;
    } catch (error) {
      if (!isDuplicateKey(error) || attempt >= 2) throw error;
    }
  }
}
