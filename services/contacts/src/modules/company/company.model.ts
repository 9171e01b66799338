import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import type { Connection } from '@crm/service-kit';
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
import { companyListIndexes } from '../company-list/company-list.indexes';

export interface MoneyDoc {
  amount: number;
  /** ISO 4217. */
  currency: string;
}

export interface ShareholderDoc {
  name: string;
  sharePercent?: number | null;
  founder: boolean;
}

export interface LitigationDoc {
  caseNumber: string;
  court?: string | null;
  role: 'PLAINTIFF' | 'DEFENDANT' | 'THIRD_PARTY';
  amount?: MoneyDoc | null;
  status: 'OPEN' | 'SETTLED' | 'WON' | 'LOST' | 'DISMISSED';
  summary?: string | null;
}

/** The business profile a head of sales decides on (concessions, credit): first-class fields. */
export interface BusinessProfileDoc {
  /** How the company buys and from whom (own production, distributors, direct imports...). */
  supplyStructure?: string | null;
  /** How it is financed (equity, bank loans, leasing, investors...). */
  financing?: string | null;
  /** The client's own main customers. */
  mainCustomers: string[];
  shareholders: ShareholderDoc[];
  /** A solvency assessment: a rating (for instance from a credit agency) and when it was made. */
  solvency?: { rating?: string | null; assessedAt?: Date | null; note?: string | null } | null;
  competitors: string[];
  litigation: LitigationDoc[];
  /** The terms the client pays on: days after invoice, method, note. */
  paymentTerms?: { days?: number | null; method?: string | null; note?: string | null } | null;
}

export interface CompanyDoc extends HasOutbox, AssignmentFields {
  _id: Types.ObjectId;
  tenantId: string;
  name: string;
  /** Lower-cased, trimmed, inner spaces collapsed: for duplicates and for sorting by name. */
  nameKey: string;
  website?: string | null;
  /** Web domain taken from the website (duplicates: name plus domain). */
  domain?: string | null;
  taxId?: string | null;
  phones: PhoneDoc[];
  emails: EmailDoc[];
  addresses: AddressDoc[];
  messengers: MessengerDoc[];
  profile: BusinessProfileDoc;
  /** Set by people (for instance after an audit): potential sales per year. */
  potential?: MoneyDoc | null;
  /** Written only when applying analytics' CompanyAbcClassChanged. */
  abcClass?: 'A' | 'B' | 'C' | null;
  abcUpdatedAt?: Date | null;
  /** Open risks (for instance LITIGATION, OVERDUE_PAYMENTS): a concession is never approved while one is set. */
  riskFlags: string[];
  /** Kept current on every write from the tenant's required fields (modules/custom-field). */
  completeness: { percent: number; missing: string[] };
  /** The tenant's required-field set version `completeness` was computed for (modules/completeness). */
  completenessVersion?: number;
  /** Ids of the companies merged into this one (modules/merge). */
  mergedIds: string[];
  /** True when `territoryId` was found from the address (company.write.ts), false or absent when chosen explicitly. */
  territoryFromAddress?: boolean;
  /** Incremented by every write: an update is conditional on the revision it read, so no concurrent edit is lost. */
  revision?: number;
  createdAt: Date;
  updatedAt: Date;
}

const money = new Schema<MoneyDoc>({ amount: { type: Number, required: true }, currency: { type: String, required: true } }, { _id: false });

const profile = new Schema<BusinessProfileDoc>(
  {
    supplyStructure: String,
    financing: String,
    mainCustomers: { type: [String], default: [] },
    shareholders: { type: [new Schema<ShareholderDoc>({ name: { type: String, required: true }, sharePercent: Number, founder: { type: Boolean, default: false } }, { _id: false })], default: [] },
    solvency: { type: new Schema({ rating: String, assessedAt: Date, note: String }, { _id: false }), default: null },
    competitors: { type: [String], default: [] },
    litigation: {
      type: [
        new Schema<LitigationDoc>(
          { caseNumber: { type: String, required: true }, court: String, role: { type: String, required: true }, amount: money, status: { type: String, required: true }, summary: String },
          { _id: false },
        ),
      ],
      default: [],
    },
    paymentTerms: { type: new Schema({ days: Number, method: String, note: String }, { _id: false }), default: null },
  },
  { _id: false },
);

const schema = new Schema<CompanyDoc>(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    nameKey: { type: String, required: true },
    website: String,
    domain: String,
    taxId: String,
    phones: { type: [phoneSchema], default: [] },
    emails: { type: [emailSchema], default: [] },
    addresses: { type: [addressSchema], default: [] },
    messengers: { type: [messengerSchema], default: [] },
    ...assignmentFields,
    profile: { type: profile, default: () => ({}) },
    potential: { type: money, default: null },
    abcClass: { type: String, default: null },
    abcUpdatedAt: { type: Date, default: null },
    riskFlags: { type: [String], default: [] },
    completeness: { type: new Schema({ percent: Number, missing: [String] }, { _id: false }), default: () => ({ percent: 100, missing: [] }) },
    completenessVersion: { type: Number, default: 0 },
    mergedIds: { type: [String], default: [] },
    territoryFromAddress: { type: Boolean, default: false },
    revision: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false, collection: 'companies', minimize: false },
);
// Every index starts with tenantId: no query ever crosses tenants. List filters add their own
// indexes (modules/company-list); duplicates are found through modules/duplicate's keys.
schema.plugin(outboxPlugin);
schema.index({ tenantId: 1, _id: -1 });
schema.index({ tenantId: 1, domain: 1 });
schema.index({ tenantId: 1, taxId: 1 });
schema.index({ tenantId: 1, nameKey: 1 });
schema.plugin(companyListIndexes);

export const CompanyModel = model<CompanyDoc>('Company', schema);

export type CompanyConnectionView = Connection<CompanyDoc>;
