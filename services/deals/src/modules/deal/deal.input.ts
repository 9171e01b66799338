import { currencyCodeInput, idInput, userIdInput } from '@crm/service-kit';
import { z } from 'zod';

const currency = currencyCodeInput('currency must be an ISO 4217 code such as EUR or USD');

/** The largest amount of a deal, given or computed from its line items. */
export const MAX_AMOUNT = 1e13;

const amount = z.number().finite().min(0, 'amount must not be negative').max(MAX_AMOUNT);

/** Team and territory ids name records of the contacts service's world: bounded text, not ObjectIds. */
const refId = (field: string) => z.string().trim().min(1, `${field} must not be empty`).max(64, `${field} is at most 64 characters`);

const contacts = z
  .array(z.object({ contactId: idInput('contactId'), role: z.string().trim().max(60).nullish().transform((role) => role || null) }))
  .max(50)
  .refine((list) => new Set(list.map((contact) => contact.contactId.toLowerCase())).size === list.length, 'a contact is listed twice');

const lineItems = z
  .array(
    z.object({
      product: z.string().trim().min(1, 'product must not be empty').max(200),
      quantity: z.number().finite().positive('quantity must be positive').max(1e7),
      unitPrice: z.number().finite().min(0, 'unitPrice must not be negative').max(1e10),
      discountPercent: z.number().min(0, 'discountPercent is between 0 and 100').max(100, 'discountPercent is between 0 and 100').nullish().transform((discount) => discount ?? 0),
    }),
  )
  .max(100);

const expectedCloseDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expectedCloseDate is a date such as 2025-09-30')
  .refine((date) => !Number.isNaN(Date.parse(`${date}T00:00:00Z`)) && new Date(`${date}T00:00:00Z`).toISOString().startsWith(date), 'expectedCloseDate is not a real date');

const source = z.enum(['WEB_FORM', 'AD_LINK', 'WEB_CHAT', 'CALL', 'EMAIL', 'REFERRAL', 'IMPORT']);

/**
 * Custom fields as JSON, at most (JSON.stringify's length): each change stores them before and
 * after in the deal's change log and in DealUpdated, so without it one deal could outgrow a
 * document and its events the broker's messages.
 */
export const MAX_CUSTOM_FIELDS_JSON = 16 * 1024;

const customValue = z.union([z.string().max(1000), z.number().finite(), z.boolean(), z.null(), z.array(z.string().max(1000)).max(50)]);
const customFields = z
  .record(z.string().min(1).max(64).regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'custom field keys are letters, digits and _'), customValue)
  .refine((fields) => Object.keys(fields).length <= 50, 'at most 50 custom fields')
  .refine((fields) => JSON.stringify(fields).length <= MAX_CUSTOM_FIELDS_JSON, `custom fields are at most ${MAX_CUSTOM_FIELDS_JSON} characters as JSON`);

export const createDealInput = z.object({
  title: z.string().trim().min(1, 'title must not be empty').max(200),
  companyId: idInput('companyId'),
  pipelineId: idInput('pipelineId'),
  amount: amount.nullish(),
  currency,
  ownerId: userIdInput('ownerId').nullish(),
  teamId: refId('teamId').nullish(),
  territoryId: refId('territoryId').nullish(),
  contacts: contacts.nullish(),
  lineItems: lineItems.nullish(),
  expectedCloseDate: expectedCloseDate.nullish(),
  source: source.nullish(),
  customFields: customFields.nullish(),
});

/** undefined: left as it is; null: cleared (where a field may be empty). */
export const updateDealInput = z.object({
  title: z.string().trim().min(1, 'title must not be empty').max(200).optional(),
  amount: amount.optional(),
  currency: currency.optional(),
  ownerId: userIdInput('ownerId').optional(),
  teamId: refId('teamId').nullable().optional(),
  territoryId: refId('territoryId').nullable().optional(),
  contacts: contacts.optional(),
  lineItems: lineItems.optional(),
  expectedCloseDate: expectedCloseDate.nullable().optional(),
  source: source.nullable().optional(),
  customFields: customFields.optional(),
});

export const stageResultInput = z.object({ text: z.string().trim().min(1, 'text must not be empty').max(2000, 'text is at most 2000 characters') });

export const lostReasonsInput = z.object({
  reasons: z
  .array(z.string().trim().min(1, 'a reason must not be empty').max(100, 'a reason is at most 100 characters'))
  .min(1, 'give at least one reason')
  .max(30, 'at most 30 reasons')
  .refine((reasons) => new Set(reasons.map((reason) => reason.toLowerCase())).size === reasons.length, 'reasons must be unique'),
});

export type LineItemInput = z.infer<typeof lineItems>[number];
