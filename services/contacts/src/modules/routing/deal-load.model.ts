import { model, Schema } from 'mongoose';

/**
 * A deal as routing weighs it (from the deals service's events): its owner and whether it is
 * open. One document per deal (`_id` tenant:deal), set idempotently by each event, so a replayed
 * or repeated event changes nothing; a member's open deals are one count on an index.
 */
export interface DealLoadDoc {
  _id: string;
  tenantId: string;
  dealId: string;
  ownerId: string;
  open: boolean;
  /** The time of the event that set it: an older event (a replay) does not overwrite a newer state. */
  at: Date;
}

const schema = new Schema<DealLoadDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    dealId: { type: String, required: true },
    ownerId: { type: String, required: true },
    open: { type: Boolean, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false, collection: 'routing_deal_loads' },
);
schema.index({ tenantId: 1, ownerId: 1, open: 1 });

export const DealLoadModel = model<DealLoadDoc>('DealLoad', schema);
