import { dateTimeInput, idInput, MAX_USER_ID_LENGTH } from '@crm/service-kit';
import { z } from 'zod';
import { customFieldsInput } from '../custom-field/custom-field.values';
import {
  addressesInput,
  countryCode,
  emailAddress,
  emailsInput,
  messengersInput,
  nameText,
  optionalText,
  phonesInput,
  sourceInput,
  tagsInput,
} from '../shared/channels.input';
import type { EmailDoc, PhoneDoc } from '../shared/channels.model';
import { collapseSpaces, toE164 } from '../shared/normalise';
import { perRules, type SchemaRules } from '../shared/schema-per-rules';

/** A person's employments kept at most (current and past). */
export const MAX_EMPLOYMENTS = 50;

const collapsedText = (max: number) => optionalText(max).transform((value) => (value ? collapseSpaces(value) : null));
const date = (field: string) =>
  dateTimeInput(field)
    .nullish()
    .transform((value) => value ?? null);

export const employmentInput = z
  .object({
    companyId: idInput('companyId'),
    role: collapsedText(50).transform((role) => (role ? role.toUpperCase().replace(/\s+/g, '_') : null)),
    position: collapsedText(200),
    department: collapsedText(200),
    decisionMaker: z.boolean().nullish().transform((value) => value ?? false),
    start: date('start'),
    end: date('end'),
  })
  .refine((employment) => !employment.start || !employment.end || employment.end >= employment.start, { path: ['end'], message: 'end is before start' });
export type EmploymentInput = z.output<typeof employmentInput>;

/** The writable fields of a contact person, normalising as they are stored. */
function contactFields(rules: SchemaRules) {
  return {
    firstName: nameText('firstName', 100),
    lastName: nameText('lastName', 100),
    companyId: idInput('companyId'),
    position: collapsedText(200),
    department: collapsedText(200),
    decisionMaker: z.boolean(),
    emails: emailsInput,
    phones: phonesInput(rules.defaultCountry),
    addresses: addressesInput,
    messengers: messengersInput,
    employments: z.array(employmentInput).max(MAX_EMPLOYMENTS),
    reportsToId: idInput('reportsToId'),
    source: sourceInput,
    ownerId: optionalText(MAX_USER_ID_LENGTH),
    teamId: optionalText(MAX_USER_ID_LENGTH),
    territoryId: optionalText(MAX_USER_ID_LENGTH),
    industry: collapsedText(100),
    tags: tagsInput,
    customFields: customFieldsInput(rules.definitions),
  };
}

type Fields = ReturnType<typeof contactFields>;
/** A parsed contact input: a field absent (undefined) stays, null clears it. */
export type ContactInput = { [K in keyof Fields]?: z.output<Fields[K]> | null };

/** Puts `value` first among the entries as the primary one (the compatible `email`/`phone` inputs). */
function withPrimary<T extends { primary: boolean }>(list: T[], entry: T, same: (a: T, b: T) => boolean): T[] {
  return [entry, ...list.filter((other) => !same(other, entry)).map((other) => ({ ...other, primary: false }))];
}

/**
 * What createContact takes. The older `email`, `phone` and `phoneCountry` still work: they
 * become the primary entry of `emails` and `phones`.
 */
export const createContactSchema = perRules((rules) => {
  const fields = contactFields(rules);
  return z
    .object({
      ...Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, schema.nullish()])),
      firstName: fields.firstName,
      lastName: fields.lastName,
      email: emailAddress.nullish(),
      phone: z.string().trim().min(1).max(32).nullish(),
      phoneCountry: countryCode('phoneCountry').nullish(),
    })
    .transform((raw, ctx) => {
      const { email, phone, phoneCountry, ...input } = raw as ContactInput & { email?: string | null; phone?: string | null; phoneCountry?: string | null };
      if (email) {
        const entry: EmailDoc = { type: 'WORK', address: email, primary: true };
        input.emails = withPrimary(input.emails ?? [], entry, (a, b) => a.address === b.address);
      }
      if (phone) {
        const number = toE164(phone, phoneCountry ?? rules.defaultCountry);
        if (!number) {
          ctx.addIssue({ code: 'custom', path: ['phone'], message: 'phone is not a valid number (use +<country code>… or give phoneCountry)' });
          return z.NEVER;
        }
        const entry: PhoneDoc = { type: 'WORK', number, primary: true };
        input.phones = withPrimary(input.phones ?? [], entry, (a, b) => a.number === b.number);
      }
      return input as ContactInput & { firstName: string; lastName: string };
    });
});

/** What updateContact takes: only the fields given change; null clears one (names cannot be cleared). */
export const updateContactSchema = perRules((rules) => {
  const fields = contactFields(rules);
  return z.object({
    ...Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, schema.nullable().optional()])),
    firstName: fields.firstName.optional(),
    lastName: fields.lastName.optional(),
  }) as unknown as z.ZodType<ContactInput>;
});

/**
 * A create input without the tenant's rules (no default country, no custom fields).
 * Kept for callers written before the rules existed; new code uses createContactSchema(rules).
 */
export const createContactInput = createContactSchema({ defaultCountry: null, definitions: [] });
