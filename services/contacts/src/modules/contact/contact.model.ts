import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema, type Types } from 'mongoose';
import {
  addressSchema,
  assignmentFields,
  emailSchema,
  messengerSchema,
  phoneSchema,
  type AddressDoc,
  type AssignmentFields,
  type EmailDoc,
  type MessengerDoc,
  type PhoneDoc,
} from '../shared/channels.model';
import { contactListIndexes } from '../contact-list/contact-list.indexes';

/** A person's work at a company: several over time, each with its own role. */
export interface EmploymentDoc {
  companyId: Types.ObjectId;
  /** The person's role in the sale: for instance DECISION_MAKER, INFLUENCER, BUYER, USER, GATEKEEPER. */
  role?: string | null;
  position?: string | null;
  department?: string | null;
  decisionMaker: boolean;
  start?: Date | null;
  /** Null while the person still works there. */
  end?: Date | null;
}

export interface ContactDoc extends HasOutbox, AssignmentFields {
  _id: Types.ObjectId;
  tenantId: string;
  firstName: string;
  lastName: string;
  /** "first last", lower-cased and collapsed: duplicates and sorting. */
  nameKey: string;
  /** The primary email and phone, kept equal to the primary entries of `emails` and `phones` (indexed lookups). */
  email?: string | null;
  phone?: string | null;
  emails: EmailDoc[];
  phones: PhoneDoc[];
  addresses: AddressDoc[];
  messengers: MessengerDoc[];
  /** The current employment's position, department and company (the one shown on the card). */
  position?: string | null;
  department?: string | null;
  decisionMaker: boolean;
  companyId?: Types.ObjectId | null;
  employments: EmploymentDoc[];
  /** Org chart: the contact this person reports to (same tenant; cycles refused). */
  reportsTo?: Types.ObjectId | null;
  mergedIds: string[];
  /** Incremented by every write: an update is conditional on the revision it read, so no concurrent edit is lost. */
  revision?: number;
  createdAt: Date;
  updatedAt: Date;
}

const employment = new Schema<EmploymentDoc>(
  {
    companyId: { type: Schema.Types.ObjectId, required: true },
    role: String,
    position: String,
    department: String,
    decisionMaker: { type: Boolean, default: false },
    start: Date,
    end: Date,
  },
  { _id: false },
);

const schema = new Schema<ContactDoc>(
  {
    tenantId: { type: String, required: true },
    firstName: { type: String, required: true },
    lastName: { type: String, required: true },
    nameKey: { type: String, required: true },
    email: String,
    phone: String,
    emails: { type: [emailSchema], default: [] },
    phones: { type: [phoneSchema], default: [] },
    addresses: { type: [addressSchema], default: [] },
    messengers: { type: [messengerSchema], default: [] },
    position: String,
    department: String,
    decisionMaker: { type: Boolean, default: false },
    companyId: { type: Schema.Types.ObjectId, default: null },
    employments: { type: [employment], default: [] },
    reportsTo: { type: Schema.Types.ObjectId, default: null },
    ...assignmentFields,
    mergedIds: { type: [String], default: [] },
    revision: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false, collection: 'contacts', minimize: false },
);
schema.plugin(outboxPlugin);
// A company's contacts in name order, read up to a limit straight from the index.
schema.index({ tenantId: 1, companyId: 1, lastName: 1, firstName: 1 });
schema.index({ tenantId: 1, email: 1 });
schema.index({ tenantId: 1, phone: 1 });
schema.index({ tenantId: 1, reportsTo: 1 });
schema.index({ tenantId: 1, nameKey: 1 });
schema.plugin(contactListIndexes);
// Everyone who ever worked at a company (merges move them; modules/merge).
schema.index({ tenantId: 1, 'employments.companyId': 1 });

export const ContactModel = model<ContactDoc>('Contact', schema);
