import { model, Schema, Types } from 'mongoose';

/** A marketing campaign: an offer sent to a segment's companies in a window. Sends are activities with its id. */
export interface CampaignDoc {
  _id: Types.ObjectId;
  tenantId: string;
  name: string;
  offer: string;
  /** The contacts service's segment the offer goes to. */
  segmentId: string;
  from: Date;
  to: Date;
  createdBy: string;
  createdAt: Date;
}

const schema = new Schema<CampaignDoc>(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    offer: { type: String, required: true },
    segmentId: { type: String, required: true },
    from: { type: Date, required: true },
    to: { type: Date, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'campaigns' },
);
// Lists page by _id within the tenant (newest first).
schema.index({ tenantId: 1, _id: -1 });

export const CampaignModel = model<CampaignDoc>('Campaign', schema);
