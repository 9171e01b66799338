import { leadSources } from '@crm/events';
import { z } from 'zod';
import { emailAddress } from '../shared/channels.input';
import { collapseSpaces, toE164 } from '../shared/normalise';

/** The raw payload a lead keeps, as JSON: larger is refused. */
export const MAX_RAW_BYTES = 16 * 1024;

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullish()
    .transform((value) => (value ? collapseSpaces(value) : null));

/**
 * A language as leads and routing rules take it: an ISO 639 code, perhaps with one subtag (de,
 * de-DE, zh-Hant), lower-cased. At most 10 characters, as LeadCreated carries it: a longer one
 * must be refused here, before routing takes a turn, not by the event when the lead is written.
 */
export const languageTag = z
  .string()
  .trim()
  .max(10, 'language is at most 10 characters')
  .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})?$/, 'language is an ISO 639 code')
  .transform((value) => value.toLowerCase());

/** A lead as any channel gives it (createLead, the webhook, LeadReceived): normalised as contacts are. */
export const leadInput = z
  .object({
    source: z.enum(leadSources),
    externalId: text(200),
    campaignId: text(100),
    name: text(200),
    email: emailAddress.nullish().transform((value) => value ?? null),
    phone: z.string().trim().max(32).nullish(),
    companyName: text(200),
    industry: text(100),
    companySize: z.number().int().min(0).max(10_000_000).nullish().transform((value) => value ?? null),
    language: languageTag.nullish().transform((value) => value ?? null),
    country: z
      .string()
      .trim()
      .regex(/^[a-zA-Z]{2}$/, 'country is an ISO 3166-1 alpha-2 code')
      .nullish()
      .transform((value) => value?.toUpperCase() ?? null),
    region: text(100),
    city: text(100),
    territoryId: text(64),
    raw: z.record(z.string(), z.unknown()).nullish().transform((value) => value ?? null),
  })
  .transform((lead, ctx) => {
    let phone: string | null = null;
    if (lead.phone) {
      phone = toE164(lead.phone, lead.country);
      if (!phone) {
        ctx.addIssue({ code: 'custom', path: ['phone'], message: `${lead.phone} is not a valid phone number${lead.country ? '' : ' (use +<country code>, or give country)'}` });
        return z.NEVER;
      }
    }
    // Kept as JSON text: a sender's keys (`$ne`, `a.b`, '') are data, never store operators or paths.
    const raw = lead.raw ? JSON.stringify(lead.raw) : null;
    if (raw && Buffer.byteLength(raw) > MAX_RAW_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['raw'], message: `raw is larger than ${MAX_RAW_BYTES} bytes as JSON` });
      return z.NEVER;
    }
    return { ...lead, phone, raw };
  });
export type LeadInput = z.output<typeof leadInput>;

export const qualifyInput = z.object({
  budget: z.number().finite().min(0).max(1e13).nullish().transform((value) => value ?? null),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'currency is an ISO 4217 code')
    .nullish()
    .transform((value) => value ?? null),
  need: text(2000),
  timing: text(200),
  decisionMaker: z.boolean().nullish().transform((value) => value ?? null),
});

export const disqualifyReason = z.string().trim().min(1, 'reason must not be empty').max(500);

export const convertInput = z.object({
  companyId: z.string().regex(/^[0-9a-f]{24}$/i, 'companyId is not a valid id').nullish(),
  contactId: z.string().regex(/^[0-9a-f]{24}$/i, 'contactId is not a valid id').nullish(),
  deal: z
    .object({
      pipelineId: z.string().regex(/^[0-9a-f]{24}$/i, 'pipelineId is not a valid id'),
      title: z.string().trim().min(1, 'title must not be empty').max(200),
      amount: z.number().finite().min(0).max(1e13),
      currency: z.string().regex(/^[A-Z]{3}$/, 'currency is an ISO 4217 code'),
    })
    .nullish(),
});
