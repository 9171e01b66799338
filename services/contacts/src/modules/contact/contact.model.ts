import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema, type Types } from 'mongoose';

export interface ContactDoc extends HasOutbox {
  _id: Types.ObjectId;
  tenantId: string;
  firstName: string;
  lastName: string;
  email?: string | null;
  phone?: string | null;
  position?: string | null;
  companyId?: Types.ObjectId | null;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<ContactDoc>(
  {
    tenantId: { type: String, required: true },
    firstName: { type: String, required: true },
    lastName: { type: String, required: true },
    email: String,
    phone: String,
    position: String,
    companyId: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true, versionKey: false, collection: 'contacts' },
);
schema.plugin(outboxPlugin);
schema.index({ tenantId: 1, companyId: 1 });
schema.index({ tenantId: 1, email: 1 });
schema.index({ tenantId: 1, phone: 1 });

export const ContactModel = model<ContactDoc>('Contact', schema);
