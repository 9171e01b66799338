import { Schema } from 'mongoose';

/**
 * Contact channels shared by companies and contact persons, embedded in their documents.
 * Values are stored normalised (phones E.164, emails lower-cased): see shared/normalise.ts.
 */
export interface PhoneDoc {
  type: 'WORK' | 'MOBILE' | 'HOME' | 'FAX' | 'OTHER';
  number: string;
  primary: boolean;
}
export interface EmailDoc {
  type: 'WORK' | 'PERSONAL' | 'BILLING' | 'OTHER';
  address: string;
  primary: boolean;
}
export interface AddressDoc {
  type: 'LEGAL' | 'OFFICE' | 'BILLING' | 'SHIPPING' | 'HOME' | 'OTHER';
  street?: string | null;
  city?: string | null;
  region?: string | null;
  postalCode?: string | null;
  /** ISO 3166-1 alpha-2. */
  country?: string | null;
  primary: boolean;
}
export interface MessengerDoc {
  kind: 'TELEGRAM' | 'WHATSAPP' | 'SIGNAL' | 'VIBER' | 'WECHAT' | 'SKYPE' | 'TEAMS' | 'SLACK' | 'OTHER';
  handle: string;
}

export const sources = ['WEB_FORM', 'AD_LINK', 'WEB_CHAT', 'CALL', 'EMAIL', 'REFERRAL', 'IMPORT'] as const;
export type Source = (typeof sources)[number];

export const phoneSchema = new Schema<PhoneDoc>({ type: { type: String, required: true }, number: { type: String, required: true }, primary: { type: Boolean, default: false } }, { _id: false });
export const emailSchema = new Schema<EmailDoc>({ type: { type: String, required: true }, address: { type: String, required: true }, primary: { type: Boolean, default: false } }, { _id: false });
export const addressSchema = new Schema<AddressDoc>(
  { type: { type: String, required: true }, street: String, city: String, region: String, postalCode: String, country: String, primary: { type: Boolean, default: false } },
  { _id: false },
);
export const messengerSchema = new Schema<MessengerDoc>({ kind: { type: String, required: true }, handle: { type: String, required: true } }, { _id: false });

/** Who serves the client and how it is classified: the same on companies and contact persons. */
export interface AssignmentFields {
  source?: Source | null;
  /** The responsible manager (a user id). */
  ownerId?: string | null;
  teamId?: string | null;
  territoryId?: string | null;
  industry?: string | null;
  tags: string[];
  /** Tenant-defined fields by key; definitions and validation in modules/custom-field. */
  customFields: Record<string, unknown>;
}

export const assignmentFields = {
  source: String,
  ownerId: String,
  teamId: String,
  territoryId: String,
  industry: String,
  tags: { type: [String], default: [] },
  customFields: { type: Schema.Types.Mixed, default: {} },
};
