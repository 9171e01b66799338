import { dateTimeInput, MAX_USER_ID_LENGTH } from '@crm/service-kit';
import { z } from 'zod';
import { customFieldsInput } from '../custom-field/custom-field.values';
import { addressesInput, emailsInput, messengersInput, nameText, optionalText, phonesInput, sourceInput, tagsInput } from '../shared/channels.input';
import { collapseSpaces } from '../shared/normalise';
import { perRules, type SchemaRules } from '../shared/schema-per-rules';

/** List bounds of a company's business profile and risk flags. */
export const PROFILE_LIMITS = { mainCustomers: 100, shareholders: 100, competitors: 100, litigation: 100, riskFlags: 50 } as const;

/**
 * A website as an http(s) URL; one given without a scheme ("acme.com") is taken as https. No
 * user or password in it: "mailto:x@y.z" would otherwise pass as https://mailto:x@y.z.
 */
function websiteUrl(website: string): URL | null {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(website) ? website : `https://${website}`);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password ? url : null;
  } catch {
    return null;
  }
}

/** Web domain of a website, without scheme, www. or path: "https://www.Acme.com/about" -> "acme.com". */
export function domainOf(website: string): string | null {
  return websiteUrl(website)?.hostname.toLowerCase().replace(/^www\./, '') || null;
}

const collapsedText = (max: number) => optionalText(max).transform((value) => (value ? collapseSpaces(value) : null));
const userRef = () => optionalText(MAX_USER_ID_LENGTH);
const date = (field: string) =>
  dateTimeInput(field)
    .nullish()
    .transform((value) => value ?? null);

export const moneyInput = z.object({
  amount: z.number().finite().min(0, 'amount must not be negative').max(1e13),
  currency: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, 'currency is an ISO 4217 code'),
});

const textList = (max: number, each: number) =>
  z
    .array(z.string().trim().min(1, 'must not be empty').max(each).transform(collapseSpaces))
    .max(max)
    .transform((values) => [...new Set(values)]);

const shareholderInput = z.object({
  name: nameText('name', 200),
  sharePercent: z.number().min(0).max(100).nullish().transform((value) => value ?? null),
  founder: z.boolean().nullish().transform((value) => value ?? false),
});

const litigationInput = z.object({
  caseNumber: nameText('caseNumber', 100),
  court: collapsedText(200),
  role: z.enum(['PLAINTIFF', 'DEFENDANT', 'THIRD_PARTY']),
  amount: moneyInput.nullish().transform((value) => value ?? null),
  status: z.enum(['OPEN', 'SETTLED', 'WON', 'LOST', 'DISMISSED']),
  summary: optionalText(1000),
});

const solvencyInput = z.object({ rating: collapsedText(50), assessedAt: date('assessedAt'), note: optionalText(2000) });
const paymentTermsInput = z.object({ days: z.number().int().min(0).max(3650).nullish().transform((value) => value ?? null), method: collapsedText(100), note: optionalText(2000) });

/** Each field given replaces the stored one (null clears it); absent fields stay. */
export const profileInput = z.object({
  supplyStructure: optionalText(5000),
  financing: optionalText(5000),
  mainCustomers: textList(PROFILE_LIMITS.mainCustomers, 200).nullish(),
  shareholders: z.array(shareholderInput).max(PROFILE_LIMITS.shareholders).nullish(),
  solvency: solvencyInput.nullish(),
  competitors: textList(PROFILE_LIMITS.competitors, 200).nullish(),
  litigation: z.array(litigationInput).max(PROFILE_LIMITS.litigation).nullish(),
  paymentTerms: paymentTermsInput.nullish(),
});

/** Risk flags: trimmed upper-case tokens (LITIGATION, OVERDUE_PAYMENTS), each once. */
export const riskFlagsInput = z
  .array(
    z
      .string()
      .trim()
      .min(1, 'a risk flag must not be empty')
      .max(100)
      .transform((flag) => flag.toUpperCase().replace(/\s+/g, '_')),
  )
  .max(PROFILE_LIMITS.riskFlags)
  .transform((flags) => [...new Set(flags)]);

/** The writable fields of a company: their input schemas, normalising as they are stored. */
function companyFields(rules: SchemaRules) {
  return {
    name: nameText('name', 200),
    website: optionalText(2048).refine((value) => value === null || domainOf(value) !== null, 'website must be an http(s) address'),
    industry: collapsedText(100),
    taxId: collapsedText(50),
    ownerId: userRef(),
    teamId: userRef(),
    territoryId: userRef(),
    source: sourceInput,
    tags: tagsInput,
    phones: phonesInput(rules.defaultCountry),
    emails: emailsInput,
    addresses: addressesInput,
    messengers: messengersInput,
    customFields: customFieldsInput(rules.definitions),
    profile: profileInput,
    potential: moneyInput,
    riskFlags: riskFlagsInput,
  };
}

/** What createCompany takes: a name, anything else optional. */
export const createCompanySchema = perRules((rules) => {
  const fields = companyFields(rules);
  return z.object({
    ...Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, schema.nullish()])),
    name: fields.name,
  }) as unknown as z.ZodType<CompanyInput & { name: string }>;
});

/** What updateCompany takes: only the fields given change; null clears one (the name cannot be cleared). */
export const updateCompanySchema = perRules((rules) => {
  const fields = companyFields(rules);
  return z.object({
    ...Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, schema.nullable().optional()])),
    name: fields.name.optional(),
  }) as unknown as z.ZodType<CompanyInput>;
});

type Fields = ReturnType<typeof companyFields>;
/** A parsed company input: a field absent (undefined) stays, null clears it. */
export type CompanyInput = { [K in keyof Fields]?: z.output<Fields[K]> | null };

/**
 * A create input without the tenant's rules (no default country, no custom fields).
 * Kept for callers written before the rules existed; new code uses createCompanySchema(rules).
 */
export const createCompanyInput = createCompanySchema({ defaultCountry: null, definitions: [] });
