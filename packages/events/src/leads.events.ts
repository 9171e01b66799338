import { z } from 'zod';
import { defineEvent } from './define';
import { instant as at } from './instant';
import { topics } from './topics';

/**
 * Leads (contacts service, topic crm.contacts.lead, keyed by the lead id): taken in, routed to a
 * member of a team, escalated when nobody accepts them in time, qualified, converted into a
 * company, a contact and a deal (the deals service creates the deal from LeadConverted).
 * Inbound: LeadReceived, published by web forms, ad platforms, chat and telephony systems
 * (source `leads`, topic crm.leads.lead) into the tenant named by the envelope.
 */

const id = z.string().min(1).max(64);
const userId = z.string().min(1).max(128);
export const leadSources = ['WEB_FORM', 'AD_LINK', 'WEB_CHAT', 'CALL', 'EMAIL', 'IMPORT'] as const;
const source = z.enum(leadSources);
export const routingMethods = ['ROUND_ROBIN', 'LEAST_LOADED', 'FIXED'] as const;
/**
 * How an assignment was made: by a rule's method, by escalation (not accepted in time), by the
 * tenant's fallback (no rule assigned the lead in time), or by hand (assignLead).
 */
export const assignmentMethods = [...routingMethods, 'ESCALATION', 'FALLBACK', 'MANUAL'] as const;
const assignmentMethod = z.enum(assignmentMethods);
const text = (max: number) => z.string().min(1).max(max);

/** What a lead says of its sender: LeadReceived brings them in, LeadCreated publishes them as taken in. */
const senderFields = {
  campaignId: text(100),
  name: text(200),
  email: z.string().max(254),
  companyName: text(200),
  industry: text(100),
  companySize: z.number().int().nonnegative().max(10_000_000),
  language: z.string().min(2).max(10),
  territoryId: id,
};
type Shape = Record<string, z.ZodType>;
const nullable = <T extends Shape>(shape: T) => Object.fromEntries(Object.entries(shape).map(([key, type]) => [key, type.nullable()])) as { [K in keyof T]: z.ZodNullable<T[K]> };
const nullish = <T extends Shape>(shape: T) => Object.fromEntries(Object.entries(shape).map(([key, type]) => [key, type.nullish()])) as { [K in keyof T]: z.ZodOptional<z.ZodNullable<T[K]>> };

/** A lead was taken in (by createLead, the webhook or a LeadReceived event). */
export const LeadCreated = defineEvent({
  type: 'LeadCreated',
  version: 1,
  source: 'contacts',
  topic: topics.lead,
  aggregateType: 'Lead',
  data: z.object({ leadId: id, source, externalId: text(200).nullable(), ...nullable(senderFields) }),
  example: {
    leadId: '6660a1b28b3e4a0012a4d001',
    source: 'WEB_FORM',
    campaignId: 'spring-cleaning-2026',
    externalId: 'form-8812',
    name: 'Jonas Keller',
    email: 'jonas.keller@example.com',
    companyName: 'Keller Facility GmbH',
    industry: 'Facility management',
    companySize: 120,
    language: 'de',
    territoryId: 'DE-BY',
  },
});

/**
 * A lead was given to someone of a team: `ruleId` and `method` say why (a rule's method, an
 * escalation, the tenant's fallback for a lead no rule assigned, or a person by hand).
 */
export const LeadAssigned = defineEvent({
  type: 'LeadAssigned',
  version: 1,
  source: 'contacts',
  topic: topics.lead,
  aggregateType: 'Lead',
  data: z.object({
    leadId: id,
    assigneeId: userId,
    previousAssigneeId: userId.nullable(),
    teamId: id,
    ruleId: id.nullable(),
    method: assignmentMethod,
    /** Why, in words: which rule matched on what, or the reason given by hand. */
    reason: z.string().max(500),
    /** When the assignee must have accepted the lead; null without an SLA. */
    acceptBy: at.nullable(),
    assignedAt: at,
  }),
  example: {
    leadId: '6660a1b28b3e4a0012a4d001',
    assigneeId: 'user-mgr-2',
    previousAssigneeId: null,
    teamId: '6660a1b28b3e4a0012a4c001',
    ruleId: '6660a1b28b3e4a0012a4e001',
    method: 'ROUND_ROBIN',
    reason: 'rule "Bavaria web forms" matched territory DE-BY, source WEB_FORM',
    acceptBy: '2026-11-03T10:45:00.000Z',
    assignedAt: '2026-11-03T10:15:00.000Z',
  },
});

/** Nobody accepted the lead within its rule's SLA: it went to the team lead (or the next member). Published once per lead. */
export const LeadEscalated = defineEvent({
  type: 'LeadEscalated',
  version: 1,
  source: 'contacts',
  topic: topics.lead,
  aggregateType: 'Lead',
  data: z.object({
    leadId: id,
    fromAssigneeId: userId,
    toAssigneeId: userId,
    teamId: id,
    ruleId: id.nullable(),
    slaMinutes: z.number().int().positive(),
    acceptBy: at,
    escalatedAt: at,
  }),
  example: {
    leadId: '6660a1b28b3e4a0012a4d001',
    fromAssigneeId: 'user-mgr-2',
    toAssigneeId: 'user-head-1',
    teamId: '6660a1b28b3e4a0012a4c001',
    ruleId: '6660a1b28b3e4a0012a4e001',
    slaMinutes: 30,
    acceptBy: '2026-11-03T10:45:00.000Z',
    escalatedAt: '2026-11-03T10:45:02.000Z',
  },
});

const qualification = z.object({
  budget: z.number().finite().nonnegative().nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/).nullable(),
  need: z.string().max(2000).nullable(),
  timing: z.string().max(200).nullable(),
  decisionMaker: z.boolean().nullable(),
});

/** A lead was qualified (BANT recorded) or disqualified (with a reason). */
export const LeadQualified = defineEvent({
  type: 'LeadQualified',
  version: 1,
  source: 'contacts',
  topic: topics.lead,
  aggregateType: 'Lead',
  data: z.object({
    leadId: id,
    outcome: z.enum(['QUALIFIED', 'DISQUALIFIED']),
    qualification: qualification.nullable(),
    /** Why it was disqualified; null when qualified. */
    reason: z.string().max(500).nullable(),
    by: userId,
  }),
  example: {
    leadId: '6660a1b28b3e4a0012a4d001',
    outcome: 'QUALIFIED',
    qualification: { budget: 48000, currency: 'EUR', need: 'Daily office cleaning, 3 sites', timing: 'Q1 2027', decisionMaker: true },
    reason: null,
    by: 'user-mgr-2',
  },
});

/**
 * A lead became a company, a contact and (with `deal`) a deal. The ids are derived from the lead
 * id, so a repeated conversion names the same records. The deals service creates the deal
 * `dealId` from `deal` (idempotent by that id).
 */
export const LeadConverted = defineEvent({
  type: 'LeadConverted',
  version: 1,
  source: 'contacts',
  topic: topics.lead,
  aggregateType: 'Lead',
  data: z.object({
    leadId: id,
    /** The lead as it came in: its name, channel and campaign (the converted records' timelines show them). */
    lead: z.object({ name: text(200).nullable(), source, campaignId: text(100).nullable() }),
    companyId: id,
    contactId: id,
    dealId: id.nullable(),
    deal: z
      .object({
        pipelineId: id,
        title: text(200),
        amount: z.number().finite().nonnegative().max(1e13),
        currency: z.string().regex(/^[A-Z]{3}$/),
        ownerId: userId,
        teamId: id.nullable(),
        source: source.nullable(),
      })
      .nullable(),
    convertedBy: userId,
  }),
  example: {
    leadId: '6660a1b28b3e4a0012a4d001',
    lead: { name: 'Jonas Keller', source: 'WEB_FORM', campaignId: 'spring-cleaning-2026' },
    companyId: '6660a1b28b3e4a0012a4d0a1',
    contactId: '6660a1b28b3e4a0012a4d0b2',
    dealId: '6660a1b28b3e4a0012a4d0c3',
    deal: { pipelineId: '6660a1b28b3e4a0012a4f001', title: 'Office cleaning, 3 sites', amount: 48000, currency: 'EUR', ownerId: 'user-mgr-2', teamId: '6660a1b28b3e4a0012a4c001', source: 'WEB_FORM' },
    convertedBy: 'user-mgr-2',
  },
});

/** Inbound (source `leads`): a lead from a web form, ad platform, chat or telephony system. Taken in idempotently by (tenant, source, externalId). */
export const LeadReceived = defineEvent({
  type: 'LeadReceived',
  version: 1,
  source: 'leads',
  topic: topics.inboundLeads,
  aggregateType: 'InboundLead',
  data: z.object({
    source,
    /** The sending system's id of the lead: a repeat with the same id is the same lead. */
    externalId: text(200),
    ...nullish(senderFields),
    phone: z.string().max(32).nullish(),
    country: z.string().regex(/^[A-Z]{2}$/).nullish(),
    region: text(100).nullish(),
    city: text(100).nullish(),
    /** The sender's whole payload, kept with the lead (at most 16 KB as JSON). */
    raw: z.record(z.string(), z.unknown()).nullish(),
  }),
  example: {
    source: 'AD_LINK',
    externalId: 'gads-click-55120',
    campaignId: 'search-cleaning-munich',
    name: 'Mara Huber',
    email: 'mara.huber@example.com',
    phone: '+49 89 1234567',
    companyName: 'Huber Logistik',
    industry: 'Logistics',
    companySize: 40,
    language: 'de',
    country: 'DE',
    region: 'Bavaria',
    city: 'Munich',
    raw: { gclid: 'abc123', keyword: 'office cleaning munich' },
  },
});
