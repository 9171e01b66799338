import { z } from 'zod';
import type { AddressDoc, EmailDoc, MessengerDoc, PhoneDoc } from './channels.model';
import { sources } from './channels.model';
import { collapseSpaces, COUNTRY_CODE, toE164 } from './normalise';

/**
 * Input pieces shared by companies and contact persons: every string and list bounded, every
 * value normalised as it is stored (phones E.164, emails lower-cased, names collapsed).
 */
export const LIMITS = { phones: 20, emails: 20, addresses: 20, messengers: 20, tags: 50, customFields: 100 } as const;

/** A trimmed optional text; blank becomes null. */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullish()
    .transform((value) => value || null);

/** A required name: trimmed, inner spaces collapsed. */
export const nameText = (field: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `${field} must not be empty`)
    .max(max)
    .transform(collapseSpaces);

export const countryCode = (field: string) =>
  z
    .string()
    .trim()
    .toUpperCase()
    .regex(COUNTRY_CODE, `${field} is an ISO 3166-1 alpha-2 code`);

/** At most one entry marked primary; the first becomes primary when none is. */
function onePrimary<T extends { primary: boolean }>(list: T[], ctx: z.RefinementCtx): T[] {
  const marked = list.flatMap((entry, i) => (entry.primary ? [i] : []));
  if (marked.length > 1) {
    ctx.addIssue({ code: 'custom', path: [marked[1]!, 'primary'], message: 'only one entry may be primary' });
    return z.NEVER;
  }
  return list.map((entry, i) => ({ ...entry, primary: marked.length === 0 ? i === 0 : entry.primary }));
}

/** The same value twice in one list is refused (it would be one channel). */
function distinct<T>(list: T[], ctx: z.RefinementCtx, valueOf: (entry: T) => string, field: string): T[] {
  const seen = new Map<string, number>();
  list.forEach((entry, i) => {
    const value = valueOf(entry);
    if (seen.has(value)) ctx.addIssue({ code: 'custom', path: [i, field], message: `${value} is given twice (also at ${seen.get(value)})` });
    else seen.set(value, i);
  });
  return list;
}

const primary = z
  .boolean()
  .nullish()
  .transform((value) => value ?? false);

/** A phone: E.164 from an international number, or a national one in `country`, else the tenant's default country. */
export const phoneInput = (defaultCountry: string | null) =>
  z
    .object({
      type: z
        .enum(['WORK', 'MOBILE', 'HOME', 'FAX', 'OTHER'])
        .nullish()
        .transform((value) => value ?? 'WORK'),
      number: z.string().trim().min(1, 'number must not be empty').max(32),
      country: countryCode('country').nullish(),
      primary,
    })
    .transform((phone, ctx): PhoneDoc => {
      const number = toE164(phone.number, phone.country ?? defaultCountry);
      if (!number) {
        const hint = phone.country ?? defaultCountry ? '' : ' (use +<country code>, or give its country)';
        ctx.addIssue({ code: 'custom', path: ['number'], message: `${phone.number} is not a valid phone number${hint}` });
        return z.NEVER;
      }
      return { type: phone.type, number, primary: phone.primary };
    });

export const emailAddress = z
  .string()
  .trim()
  .max(254)
  .toLowerCase()
  .pipe(z.email('not a valid email address'));

export const emailInput = z.object({
  type: z
    .enum(['WORK', 'PERSONAL', 'BILLING', 'OTHER'])
    .nullish()
    .transform((value) => value ?? 'WORK'),
  address: emailAddress,
  primary,
});

export const addressInput = z
  .object({
    type: z
      .enum(['LEGAL', 'OFFICE', 'BILLING', 'SHIPPING', 'HOME', 'OTHER'])
      .nullish()
      .transform((value) => value ?? 'OFFICE'),
    street: optionalText(200),
    city: optionalText(100),
    region: optionalText(100),
    postalCode: optionalText(20),
    country: countryCode('country')
      .nullish()
      .transform((value) => value ?? null),
    primary,
  })
  .refine((address) => address.street || address.city || address.postalCode || address.region || address.country, 'an address needs at least one part');

export const messengerInput = z.object({
  kind: z.enum(['TELEGRAM', 'WHATSAPP', 'SIGNAL', 'VIBER', 'WECHAT', 'SKYPE', 'TEAMS', 'SLACK', 'OTHER']),
  handle: z.string().trim().min(1, 'handle must not be empty').max(200),
});

export const phonesInput = (defaultCountry: string | null) =>
  z
    .array(phoneInput(defaultCountry))
    .max(LIMITS.phones)
    .transform((list, ctx): PhoneDoc[] => onePrimary(distinct(list, ctx, (phone) => phone.number, 'number'), ctx));
export const emailsInput = z
  .array(emailInput)
  .max(LIMITS.emails)
  .transform((list, ctx): EmailDoc[] => onePrimary(distinct(list, ctx, (email) => email.address, 'address'), ctx));
export const addressesInput = z
  .array(addressInput)
  .max(LIMITS.addresses)
  .transform((list, ctx): AddressDoc[] => onePrimary(list as AddressDoc[], ctx));
export const messengersInput = z
  .array(messengerInput)
  .max(LIMITS.messengers)
  .transform((list, ctx): MessengerDoc[] => distinct(list, ctx, (messenger) => `${messenger.kind}:${messenger.handle}`, 'handle'));

/** Tags: trimmed, collapsed, each once. */
export const tagsInput = z
  .array(z.string().trim().min(1, 'a tag must not be empty').max(50).transform(collapseSpaces))
  .max(LIMITS.tags)
  .transform((tags) => [...new Set(tags)]);

export const sourceInput = z.enum(sources);
