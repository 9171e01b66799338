import type { assignmentMethods } from '@crm/events';
import type { Connection } from '@crm/service-kit';
import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema, type Types } from 'mongoose';

export const LEAD_STATUSES = ['NEW', 'ASSIGNED', 'ACCEPTED', 'QUALIFIED', 'DISQUALIFIED', 'CONVERTED'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
/** Statuses in which a lead still weighs on its assignee (LEAST_LOADED counts them). */
export const OPEN_STATUSES: LeadStatus[] = ['NEW', 'ASSIGNED', 'ACCEPTED', 'QUALIFIED'];

/** How an assignment was made (LeadAssigned's `method`). */
export type AssignmentMethod = (typeof assignmentMethods)[number];

/** Assignments a lead keeps (the routing's, escalations and those by hand): assignLead refuses more. */
export const MAX_ASSIGNMENTS = 100;

/** One assignment, as recorded on the lead: who did it, from whom to whom, and why. */
export interface AssignmentDoc {
  /** The user (assignLead), or `routing` / `escalation` for the service itself. */
  by: string;
  from: string | null;
  to: string;
  teamId: string;
  ruleId: string | null;
  method: AssignmentMethod;
  reason: string;
  at: Date;
}

export interface QualificationDoc {
  budget: number | null;
  currency: string | null;
  need: string | null;
  timing: string | null;
  decisionMaker: boolean | null;
  qualifiedBy: string;
  qualifiedAt: Date;
}

export interface ConversionDealDoc {
  pipelineId: string;
  title: string;
  amount: number;
  currency: string;
}

/**
 * The conversion saga's plan, written once before its first step: the ids (derived from the lead
 * id, or given), whether each record is to be created, and the deal request. A resumed or repeated
 * conversion follows the stored plan, so every run names the same records.
 */
export interface ConversionDoc {
  companyId: string;
  createCompany: boolean;
  contactId: string;
  createContact: boolean;
  dealId: string | null;
  deal: ConversionDealDoc | null;
  startedBy: string;
  startedAt: Date;
  convertedAt: Date | null;
}

export interface LeadDoc extends HasOutbox {
  _id: Types.ObjectId;
  tenantId: string;
  source: 'WEB_FORM' | 'AD_LINK' | 'WEB_CHAT' | 'CALL' | 'EMAIL' | 'IMPORT';
  campaignId: string | null;
  externalId: string | null;
  /** `source:externalId`, or `id:<_id>` without an external id: unique per tenant (the idempotency key). */
  dedupeKey: string;
  /** The sender's payload as JSON text (its keys may be anything, `$` and `.` included). */
  raw: string | null;
  name: string | null;
  email: string | null;
  /** E.164, as contacts store phones. */
  phone: string | null;
  companyName: string | null;
  industry: string | null;
  companySize: number | null;
  language: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  territoryId: string | null;
  status: LeadStatus;
  /** True while the status is open (OPEN_STATUSES): the LEAST_LOADED count is one index equality. */
  open: boolean;
  disqualifyReason: string | null;
  assigneeId: string | null;
  teamId: string | null;
  ruleId: string | null;
  /**
   * What the escalation worker waits for: `WAITING` for the assignee to accept by `acceptBy` (else
   * the lead is escalated), `UNASSIGNED` for anyone to be assigned by `assignBy` (else the lead
   * goes to the tenant's routing fallback); null once that happened or no longer applies.
   */
  slaState: 'WAITING' | 'UNASSIGNED' | null;
  slaMinutes: number | null;
  acceptBy: Date | null;
  /** A lead no rule assigned, taken in while the tenant had a routing fallback: when it goes there. */
  assignBy?: Date | null;
  escalatedAt: Date | null;
  assignments: AssignmentDoc[];
  qualification: QualificationDoc | null;
  conversion: ConversionDoc | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const assignmentSchema = new Schema<AssignmentDoc>(
  {
    by: String,
    from: { type: String, default: null },
    to: String,
    teamId: String,
    ruleId: { type: String, default: null },
    method: String,
    reason: String,
    at: Date,
  },
  { _id: false },
);

const schema = new Schema<LeadDoc>(
  {
    tenantId: { type: String, required: true },
    source: { type: String, required: true },
    campaignId: { type: String, default: null },
    externalId: { type: String, default: null },
    dedupeKey: { type: String, required: true },
    raw: { type: String, default: null },
    name: { type: String, default: null },
    email: { type: String, default: null },
    phone: { type: String, default: null },
    companyName: { type: String, default: null },
    industry: { type: String, default: null },
    companySize: { type: Number, default: null },
    language: { type: String, default: null },
    country: { type: String, default: null },
    region: { type: String, default: null },
    city: { type: String, default: null },
    territoryId: { type: String, default: null },
    status: { type: String, required: true },
    open: { type: Boolean, default: true },
    disqualifyReason: { type: String, default: null },
    assigneeId: { type: String, default: null },
    teamId: { type: String, default: null },
    ruleId: { type: String, default: null },
    slaState: { type: String, default: null },
    slaMinutes: { type: Number, default: null },
    acceptBy: { type: Date, default: null },
    assignBy: { type: Date, default: null },
    escalatedAt: { type: Date, default: null },
    assignments: { type: [assignmentSchema], default: [] },
    qualification: { type: Schema.Types.Mixed, default: null },
    conversion: { type: Schema.Types.Mixed, default: null },
    createdBy: { type: String, required: true },
  },
  { timestamps: true, versionKey: false, collection: 'leads', minimize: false },
);
// The idempotency key: a repeated (source, externalId) is the same lead.
schema.index({ tenantId: 1, dedupeKey: 1 }, { unique: true });
schema.index({ tenantId: 1, _id: -1 });
// The list's filters, each led by the tenant and ending in the list's order.
schema.index({ tenantId: 1, status: 1, _id: -1 });
schema.index({ tenantId: 1, source: 1, _id: -1 });
schema.index({ tenantId: 1, assigneeId: 1, _id: -1 });
schema.index({ tenantId: 1, teamId: 1, _id: -1 });
schema.index({ tenantId: 1, campaignId: 1, _id: -1 });
// LEAST_LOADED: a member's open leads.
schema.index({ tenantId: 1, assigneeId: 1, open: 1 });
// The escalation worker serves every tenant: leads waiting for acceptance, by deadline.
schema.index({ slaState: 1, acceptBy: 1 });
// ... and leads no rule assigned, waiting for the tenant's routing fallback, by deadline.
schema.index({ slaState: 1, assignBy: 1 });
schema.plugin(outboxPlugin);

export const LeadModel = model<LeadDoc>('Lead', schema);

export type LeadConnectionView = Connection<LeadDoc>;
