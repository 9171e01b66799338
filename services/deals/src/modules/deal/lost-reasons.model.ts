import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema } from 'mongoose';

/** A tenant's reasons for losing a deal: one document per tenant, `_id` = tenant id. */
export interface LostReasonsDoc extends HasOutbox {
  _id: string;
  tenantId: string;
  reasons: string[];
  updatedBy: string;
  updatedAt: Date;
}

const schema = new Schema<LostReasonsDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    reasons: { type: [String], required: true },
    updatedBy: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'lost_reasons' },
);
// Read and written by _id (with tenantId in the filter); LostReasonsChanged leaves through the outbox.
schema.plugin(outboxPlugin);

export const LostReasonsModel = model<LostReasonsDoc>('LostReasons', schema);

/** Until an admin sets the tenant's own list. */
export const DEFAULT_LOST_REASONS = [
  'Price too high',
  'Chose a competitor',
  'No budget',
  'No decision / went silent',
  'Requirements not met',
  'Postponed',
  'Other',
];

export async function lostReasonsOf(tenantId: string): Promise<string[]> {
  const stored = await LostReasonsModel.findOne({ _id: tenantId, tenantId }).lean<LostReasonsDoc>();
  return stored?.reasons ?? DEFAULT_LOST_REASONS;
}
