import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';

const name = (field: string) => z.string().trim().min(1, `${field} must not be empty`).max(100);

export const createContactInput = z
  .object({
    firstName: name('firstName'),
    lastName: name('lastName'),
    email: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.email('email is not a valid address'))
      .nullish(),
    phone: z.string().trim().min(1).max(40).nullish(),
    phoneCountry: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, 'phoneCountry is an ISO 3166-1 alpha-2 code')
      .nullish(),
    companyId: z.string().nullish(),
    position: z.string().trim().max(200).nullish(),
  })
  .transform((input, ctx) => {
    let phone: string | null = null;
    if (input.phone) {
      try {
        const parsed = parsePhoneNumberWithError(input.phone, (input.phoneCountry as CountryCode | undefined) ?? undefined);
        if (!parsed.isValid()) throw new Error('not a valid number');
        phone = parsed.number; // E.164
      } catch {
        ctx.addIssue({ code: 'custom', path: ['phone'], message: 'phone is not a valid number (use +<country code>… or give phoneCountry)' });
        return z.NEVER;
      }
    }
    const { phoneCountry: _country, ...rest } = input;
    return { ...rest, email: input.email ?? null, position: input.position || null, companyId: input.companyId ?? null, phone };
  });
