import { isDuplicateKey } from '@crm/messaging';
import { model, Schema } from 'mongoose';

/**
 * A tenant's fallback for the leads no routing rule assigns (none matches, or the matching rules'
 * teams have nobody active): after `afterMinutes` unassigned, such a lead goes to the lead of
 * `teamId` (or, without an active lead, its first active member), by the escalation worker. One
 * document per tenant (`_id` = tenant id); absent or `teamId` null: no fallback, such leads stay
 * unassigned (status NEW, listed by `leads(filter: { unassigned: true })`) for assignLead.
 */
export interface RoutingFallbackDoc {
  _id: string;
  tenantId: string;
  teamId: string | null;
  afterMinutes: number;
  updatedBy: string;
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
  },
  { timestamps: true, versionKey: false, collection: 'routing_fallbacks', minimize: false },
);

export const RoutingFallbackModel = model<RoutingFallbackDoc>('RoutingFallback', schema);

/** The tenant's fallback, or null when none is set (read by `_id`). */
export const fallbackOf = (tenantId: string) => RoutingFallbackModel.findOne({ _id: tenantId }).lean<RoutingFallbackDoc>().exec();

/**
 * Sets the tenant's fallback as a whole (the last setting wins; nothing else depends on the one it
 * replaces). The first setting of a tenant inserts the document: two at once, one insert wins and
 * the other writes over it on its retry.
 */
export async function setFallback(tenantId: string, fields: Pick<RoutingFallbackDoc, 'teamId' | 'afterMinutes' | 'updatedBy'>): Promise<RoutingFallbackDoc> {
  for (let attempt = 0; ; attempt += 1) {
    const updated = await RoutingFallbackModel.findOneAndUpdate({ _id: tenantId }, { $set: fields }, { returnDocument: 'after' }).lean<RoutingFallbackDoc>().exec();
    if (updated) return updated;
    try {
      // An insert rather than an upsert: FerretDB 1.24 drops nulls from an upsert's inserted fields.
      return (await RoutingFallbackModel.create({ _id: tenantId, tenantId, ...fields })).toObject() as RoutingFallbackDoc;
    } catch (error) {
      if (!isDuplicateKey(error) || attempt >= 2) throw error;
    }
  }
}
