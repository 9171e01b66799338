import { model, Schema } from 'mongoose';

/**
 * Which company a deal is for, learnt from DealCreated: DealStageChanged and ActivityCreated name
 * only the deal. Keyed by deal id; the tenant is part of every filter.
 */
export interface TimelineDealDoc {
  _id: string;
  tenantId: string;
  companyId: string;
  /** The deal's contact persons, once DealCreated names them (deals' contacts with roles). */
  contactIds: string[];
  title: string;
}

const schema = new Schema<TimelineDealDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    companyId: { type: String, required: true },
    contactIds: { type: [String], default: [] },
    title: { type: String, required: true },
  },
  { versionKey: false, collection: 'timeline_deals' },
);

export const TimelineDealModel = model<TimelineDealDoc>('TimelineDeal', schema);
