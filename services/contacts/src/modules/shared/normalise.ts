import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js';

/** Trimmed, inner whitespace collapsed to one space: how names and labels are stored. */
export const collapseSpaces = (value: string) => value.trim().replace(/\s+/g, ' ');

/** A phone number in E.164 (+4930123456), read in `country` when national; null when it is not a valid number. */
export function toE164(number: string, country: string | null | undefined): string | null {
  try {
    const parsed = parsePhoneNumberWithError(number, (country ?? undefined) as CountryCode | undefined);
    return parsed.isValid() ? parsed.number : null;
  } catch {
    return null;
  }
}

/** ISO 3166-1 alpha-2, upper-case. */
export const COUNTRY_CODE = /^[A-Z]{2}$/;

/** A tax id's comparison form (unique key, duplicates): letters and digits only, upper-case. "de 123-456.789" -> "DE123456789". */
export const taxIdKey = (taxId: string) => taxId.toUpperCase().replace(/[^0-9A-Z]/g, '');
